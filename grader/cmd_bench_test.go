//go:build unix

package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// TestBench runs the benchmark once: it reports every figure and checks
// both goals (met or missed depends on the machine's load).
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("grades the reference several times")
	}
	course := coursetest.Fixture(t)
	var stdout, stderr bytes.Buffer
	status := run([]string{"bench", "-n", "1", "-src", course.Solutions(), "-testdata", course.Testdata()}, &stdout, &stderr, noEnv)
	require.Contains(t, []int{exitPassed, exitFailed}, status, "stderr: %s", &stderr)
	for _, want := range []string{"machine: ", "of which builds", "warm build cache, 1 grades: median",
		"harness overhead per scenario", "peak memory: grader", "goal whole reference under 3s", "goal no scenario over 1s"} {
		assert.Contains(t, stdout.String(), want)
	}
}
