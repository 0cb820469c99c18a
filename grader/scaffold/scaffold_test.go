//go:build unix

package scaffold

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/lint"
	"socklab/grader/runner"
)

// newIn runs New in testdata and returns what it said, or its error.
func newIn(t *testing.T, testdata, assignment, name string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := New(testdata, assignment, name, &out)
	return out.String(), err
}

// TestNew writes a scenario into a copy of the fixture course: the header
// filled in, the family and the points told, and the linter's only
// complaints what the author must do.
func TestNew(t *testing.T) {
	t.Parallel()
	course := coursetest.Copy(t)
	testdata := course.Testdata()
	dir := filepath.Join(testdata, "01-echo")
	path := filepath.Join(dir, "eof-server-slow-close.txtar")

	out, err := newIn(t, testdata, "01-echo", "eof-server-slow-close")
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "# points: 5\n# TODO: one sentence students read: what must the server do? (eof server slow close)\n"), string(data))
	assert.Contains(t, string(data), "(19 before this one, 24 with it)")
	assert.Contains(t, string(data), "\nstart server $PORT\ndial c tcp 127.0.0.1:$PORT\n")
	assert.NotContains(t, string(data), "\nsleep")
	for _, want := range []string{
		"wrote " + path + ": a server scenario\n",
		`family "eof": an existing family of 01-echo (eof-server)`,
		"points: 5, a placeholder; 01-echo is worth the sum of its scenarios' points, 24 with this one",
		"make grade SRC=solutions ASSIGNMENT=01-echo",
		"make seal",
	} {
		assert.Contains(t, out, want)
	}

	rep, err := lint.Dir(testdata)
	require.NoError(t, err)
	require.NotEmpty(t, rep.Problems)
	for _, p := range rep.Problems {
		require.Equal(t, path, p.Path, "only the new scenario has problems: %s", p)
		assert.True(t, strings.HasPrefix(p.Msg, "a TODO left in a comment") || strings.HasPrefix(p.Msg, "the description is still a TODO"), p.String())
	}

	t.Run("never overwrites", func(t *testing.T) {
		for _, name := range []string{"eof-server-slow-close", "eof-server-slow-close.txtar", "echo-server"} {
			_, err := newIn(t, testdata, "01-echo", name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "already exists")
		}
		again, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, data, again)
	})
	t.Run("a new family", func(t *testing.T) {
		out, err := newIn(t, testdata, "01-echo", "slow-close-client-idle")
		require.NoError(t, err)
		assert.Contains(t, out, "a client scenario")
		assert.Contains(t, out, `family "slow-close": a new family of 01-echo (its families: echo, eof, exit, ipv6, usage)`)
	})
	t.Run("a name without a role", func(t *testing.T) {
		out, err := newIn(t, testdata, "01-echo", "eof-nothing-at-all")
		require.NoError(t, err)
		assert.Contains(t, out, `a server scenario (its name says neither client, server nor pair`)
		assert.Contains(t, out, `family "eof": an existing family`)
	})
	t.Run("a new assignment", func(t *testing.T) {
		out, err := newIn(t, testdata, "03-dgram", "echo-pair")
		require.NoError(t, err)
		assert.Contains(t, out, "created "+filepath.Join(testdata, "03-dgram")+": a new assignment")
		assert.Contains(t, out, `family "echo": the first family of 03-dgram`)
		assert.Contains(t, out, "note: there is no "+filepath.Join(course.Root, "solutions", "03-dgram"))
		assert.FileExists(t, filepath.Join(testdata, "03-dgram", "echo-pair.txtar"))
	})
	t.Run("bad names", func(t *testing.T) {
		for _, c := range []struct{ assignment, name, want string }{
			{"01-echo", "eof", "at least two words"},
			{"01-echo", "EOF-server", "lowercase only"},
			{"01-echo", "eof_server", "join the words with '-'"},
			{"01-echo", "../eof-server", "join the words with '-'"},
			{"01-echo", "eof/server", "want lowercase words"},
			{"1-echo", "eof-server", "an assignment is named NN-name"},
			{"../01-echo", "eof-server", "an assignment is named NN-name"},
		} {
			_, err := newIn(t, testdata, c.assignment, c.name)
			require.Error(t, err, c.name)
			assert.Contains(t, err.Error(), c.want, c.name)
		}
		_, err := newIn(t, filepath.Join(testdata, "none"), "01-echo", "eof-server-x")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no scenarios directory")
	})
}

// TestNewSkeletonsWork: once the author has done what the TODOs ask, each
// shape of new scenario lints clean and runs: its commands are used
// rightly (the fixture's programs are not the story's, so they fail it,
// but the grader does not break on it).
func TestNewSkeletonsWork(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join(t.TempDir(), "testdata")
	require.NoError(t, os.MkdirAll(testdata, 0o755))
	for _, name := range []string{"a-server-x", "a-client-x", "a-pair-x"} {
		_, err := newIn(t, testdata, "01-echo", name)
		require.NoError(t, err)
		path := filepath.Join(testdata, "01-echo", name+".txtar")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var kept []string
		for i, line := range strings.Split(string(data), "\n") {
			switch {
			case i == 0:
				kept = append(kept, "# points: 1\n# timeout: 2s")
			case i == 1:
				kept = append(kept, "# The "+name+" behaviour, checked.")
			case !strings.HasPrefix(line, "# TODO"):
				kept = append(kept, line)
			}
		}
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644))
	}
	rep, err := lint.Dir(testdata)
	require.NoError(t, err)
	assert.Empty(t, rep.Problems)
	assert.Equal(t, 3, rep.Scenarios)

	g, err := runner.Run(context.Background(), runner.Options{Src: coursetest.Fixture(t).Solutions(), Testdata: testdata})
	require.NoError(t, err)
	require.Len(t, g.Results, 3)
	for _, r := range g.Results {
		assert.NotEqual(t, runner.Errored, r.Status, "%s:\n%s", r.Scenario.Name, r.Feedback)
		assert.NotContains(t, r.Feedback, "usage:", fmt.Sprintf("%s uses a command wrongly", r.Scenario.Name))
	}
}
