//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// TestLintFixture: the fixture course's scenarios are clean (the live
// course's are linted by TestLiveCourse).
func TestLintFixture(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	status := run([]string{"lint", "-testdata", coursetest.Fixture(t).Testdata()}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Empty(t, stdout.String())
	assert.Contains(t, stderr.String(), "no problems")
}

func TestLintCommandLine(t *testing.T) {
	t.Parallel()
	testdata := t.TempDir()
	dir := filepath.Join(testdata, "01-x")
	writeFile(t, filepath.Join(dir, "a-server-one.txtar"), []byte("# points: 60\n# The server answers.\n\nport PORT\nstart server $PORT\nexec sleep 1\n"))
	writeFile(t, filepath.Join(dir, "a-server-two.txtar"), []byte("# The server answers twice.\n\nstart server\ndial c tcp :1\nsend c 'sleep well'\n"))

	var stdout, stderr bytes.Buffer
	status := run([]string{"lint", "-testdata", testdata}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitFailed, status)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	assert.Equal(t, []string{
		filepath.Join(dir, "a-server-one.txtar") + ":6: exec: scenarios run no other programs; start the student's programs with start, and play the other side with the grader's commands (dial, listen, accept, send, ...)",
		filepath.Join(dir, "a-server-one.txtar") + ":6: sleep: never sleep in a scenario, wait on an event: exec sleep 1 (dial retries until the server listens, accept waits for the client, waitfor for output, await for the exit)",
		filepath.Join(dir, "a-server-two.txtar") + ":1: no '# points: N' line in the header",
	}, lines)
	for _, l := range lines {
		assert.Regexp(t, regexp.MustCompile(`^[^:]+:[0-9]+: `), l, "path:line: problem")
	}
	assert.Contains(t, stderr.String(), "2 scenarios in 1 assignment: 3 problems")

	assert.Equal(t, exitBroken, run([]string{"lint", "-testdata", filepath.Join(testdata, "none")}, &stdout, &stderr, noEnv))
	empty := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(empty, "SEAL"), nil, 0o644))
	assert.Equal(t, exitBroken, run([]string{"lint", "-testdata", empty}, &stdout, &stderr, noEnv), "no assignment at all")
	assert.Equal(t, exitBroken, run([]string{"lint", "extra"}, &stdout, &stderr, noEnv))
}
