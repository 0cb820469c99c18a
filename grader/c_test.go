//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/runner"
)

// TestCPairScoresFull compiles the tutorial's pair in C
// (solutions/01-stream/c) and grades the executables as prebuilt programs
// (grader grade -bin, make grade BIN=dir): every scenario passes, or is
// skipped where the machine cannot run it. The same scenarios serve a
// course taught in C.
func TestCPairScoresFull(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler (cc) here: %v", err)
	}
	bin := t.TempDir()
	dir := filepath.Join(bin, "01-stream")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, prog := range []string{"server", "client"} {
		src := filepath.Join("..", "solutions", "01-stream", "c", prog+".c")
		out, err := exec.Command(cc, "-Wall", "-O2", "-o", filepath.Join(dir, prog), src).CombinedOutput()
		require.NoError(t, err, "cc %s:\n%s", src, out)
		if len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("cc %s warns:\n%s", src, out)
		}
	}

	g, err := runner.Run(context.Background(), runner.Options{Bin: bin, Testdata: "../testdata", Assignment: "01-stream"})
	require.NoError(t, err)
	require.NotEmpty(t, g.Results)
	for _, b := range g.Builds {
		assert.NoError(t, b.Err, "the prebuilt %s is found", b.Program)
	}
	for _, r := range g.Results {
		assert.Contains(t, []runner.Status{runner.Passed, runner.Skipped}, r.Status,
			"%s/%s on the C pair:\n%s", r.Scenario.Assignment, r.Scenario.Name, r.Feedback)
	}
	earned, possible := g.Score()
	assert.Equal(t, possible, earned)
	assert.Positive(t, possible)
	assert.False(t, g.Errored())
}
