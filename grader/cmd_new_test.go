//go:build unix

package main

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

	"socklab/grader/lint"
	"socklab/grader/runner"
)

// newScenarioIn runs grader new in testdata and returns its status and outputs.
func newScenarioIn(t *testing.T, testdata, assignment, name string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run([]string{"new", "-testdata", testdata, "-assignment", assignment, "-name", name}, &stdout, &stderr, noEnv)
	return status, stdout.String(), stderr.String()
}

// TestNew writes a scenario into a copy of the course's scenarios: the
// header filled in, the family and the points told, and the linter's only
// complaints what the author must do.
func TestNew(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join(t.TempDir(), "testdata")
	require.NoError(t, os.CopyFS(testdata, os.DirFS("../testdata")))
	dir := filepath.Join(testdata, "01-stream")
	path := filepath.Join(dir, "eof-server-slow-close.txtar")

	status, stdout, stderr := newScenarioIn(t, testdata, "01-stream", "eof-server-slow-close")
	require.Equal(t, exitPassed, status, stderr)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "# points: 5\n# TODO: one sentence students read: what must the server do? (eof server slow close)\n"), string(data))
	assert.Contains(t, string(data), "(100 before this one, 105 with it)")
	assert.Contains(t, string(data), "\nstart server $PORT\ndial c tcp 127.0.0.1:$PORT\n")
	assert.NotContains(t, string(data), "\nsleep")
	for _, want := range []string{
		"wrote " + path + ": a server scenario\n",
		`family "eof": an existing family of 01-stream (eof-client-no-reply, eof-server-half-close, eof-server-no-bytes)`,
		"points: 01-stream had 100 in 19 scenarios; with this one's 5 placeholder points, 105. They must add up to 100",
		"make grade SRC=solutions ASSIGNMENT=01-stream",
		"make seal",
	} {
		assert.Contains(t, stdout, want)
	}

	rep, err := lint.Dir(testdata)
	require.NoError(t, err)
	require.NotEmpty(t, rep.Problems)
	for _, p := range rep.Problems {
		if p.Path == dir {
			assert.Contains(t, p.Msg, "add up to 105, not 100")
			continue
		}
		require.Equal(t, path, p.Path, "only the new scenario has problems: %s", p)
		assert.True(t, strings.HasPrefix(p.Msg, "a TODO left in a comment") || strings.HasPrefix(p.Msg, "the description is still a TODO"), p.String())
	}

	t.Run("never overwrites", func(t *testing.T) {
		for _, name := range []string{"eof-server-slow-close", "eof-server-slow-close.txtar", "usage-client-args"} {
			status, _, stderr := newScenarioIn(t, testdata, "01-stream", name)
			assert.Equal(t, exitFailed, status)
			assert.Contains(t, stderr, "already exists")
		}
		again, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, data, again)
	})
	t.Run("a new family", func(t *testing.T) {
		status, stdout, stderr := newScenarioIn(t, testdata, "01-stream", "slow-close-client-idle")
		require.Equal(t, exitPassed, status, stderr)
		assert.Contains(t, stdout, "a client scenario")
		assert.Contains(t, stdout, `family "slow-close": a new family of 01-stream (its families: byte-stream, eof, epipe, ipv6, message-ack, port-in-use, usage)`)
	})
	t.Run("a name without a role", func(t *testing.T) {
		status, stdout, stderr := newScenarioIn(t, testdata, "01-stream", "eof-nothing-at-all")
		require.Equal(t, exitPassed, status, stderr)
		assert.Contains(t, stdout, `a server scenario (its name says neither client, server nor pair`)
		assert.Contains(t, stdout, `family "eof": an existing family`)
	})
	t.Run("a new assignment", func(t *testing.T) {
		status, stdout, stderr := newScenarioIn(t, testdata, "02-dgram", "echo-pair")
		require.Equal(t, exitPassed, status, stderr)
		assert.Contains(t, stdout, "created "+filepath.Join(testdata, "02-dgram")+": a new assignment")
		assert.Contains(t, stdout, `family "echo": the first family of 02-dgram`)
		assert.Contains(t, stdout, "note: there is no "+filepath.Join(filepath.Dir(testdata), "solutions", "02-dgram"))
		assert.FileExists(t, filepath.Join(testdata, "02-dgram", "echo-pair.txtar"))
	})
	t.Run("bad names", func(t *testing.T) {
		for _, c := range []struct{ assignment, name, want string }{
			{"01-stream", "eof", "at least two words"},
			{"01-stream", "EOF-server", "lowercase only"},
			{"01-stream", "eof_server", "join the words with '-'"},
			{"01-stream", "../eof-server", "join the words with '-'"},
			{"01-stream", "eof/server", "want lowercase words"},
			{"1-stream", "eof-server", "an assignment is named NN-name"},
			{"../01-stream", "eof-server", "an assignment is named NN-name"},
		} {
			status, _, stderr := newScenarioIn(t, testdata, c.assignment, c.name)
			assert.Equal(t, exitFailed, status, c.name)
			assert.Contains(t, stderr, c.want, c.name)
		}
		var stdout, stderr bytes.Buffer
		assert.Equal(t, exitBroken, run([]string{"new", "-name", "eof-server"}, &stdout, &stderr, noEnv))
		assert.Equal(t, exitBroken, run([]string{"new", "-assignment", "01-stream"}, &stdout, &stderr, noEnv))
		status, _, stderr2 := newScenarioIn(t, filepath.Join(testdata, "none"), "01-stream", "eof-server-x")
		assert.Equal(t, exitFailed, status)
		assert.Contains(t, stderr2, "no scenarios directory")
	})
}

// TestNewSkeletonsWork: once the author has done what the TODOs ask, each
// shape of new scenario lints clean, and (where the reference solutions
// are at hand) is a working scenario that the reference passes.
func TestNewSkeletonsWork(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join(t.TempDir(), "testdata")
	names := map[string]int{"a-server-x": 34, "a-client-x": 33, "a-pair-x": 33}
	require.NoError(t, os.MkdirAll(testdata, 0o755))
	for name, points := range names {
		status, _, stderr := newScenarioIn(t, testdata, "01-stream", name)
		require.Equal(t, exitPassed, status, stderr)
		path := filepath.Join(testdata, "01-stream", name+".txtar")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var kept []string
		for i, line := range strings.Split(string(data), "\n") {
			switch {
			case i == 0:
				kept = append(kept, fmt.Sprintf("# points: %d", points))
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

	if _, err := os.Stat("../solutions/01-stream"); err != nil {
		t.Skip("no reference solutions here (a student template): not grading them")
	}
	g, err := runner.Run(context.Background(), runner.Options{Src: "../solutions", Testdata: testdata})
	require.NoError(t, err)
	require.Len(t, g.Results, 3)
	for _, r := range g.Results {
		assert.Contains(t, []runner.Status{runner.Passed}, r.Status, "%s:\n%s", r.Scenario.Name, r.Feedback)
	}
}
