//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The logic of check and stress is tested in package proof; these are the
// commands': flags, output and exit statuses.

// TestCheckCommand: check on one scenario, with the reference for the
// skeleton: the skeleton passes the scenario, so the check fails (status
// 1) and says why; -v says why the mutants' scenarios failed.
func TestCheckCommand(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	testdata := filepath.Join(t.TempDir(), "testdata")
	data, err := os.ReadFile("../testdata/01-stream/usage-client-args.txtar")
	require.NoError(t, err)
	writeFile(t, filepath.Join(testdata, "01-stream", "usage-client-args.txtar"), data)
	var stdout, stderr bytes.Buffer
	status := run([]string{"check", "-testdata", testdata, "-solutions", "../solutions", "-skeletons", "../solutions", "-v"},
		&stdout, &stderr, noEnv)
	assert.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Contains(t, stdout.String(), "FAIL 01-stream/(skeleton): the skeleton passes usage-client-args")
	assert.Contains(t, stdout.String(), "warning: 01-stream/usage-client-args: the skeleton passes it")
	assert.Regexp(t, `(?m)^    usage-client-args:\d+: `, stdout.String(), "-v: why a mutant's scenario failed")
}

// TestCheckCannotRun: no solutions (a student's copy) is nothing to check;
// no scenarios cannot run.
func TestCheckCannotRun(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"check", "stress"} {
		var stdout, stderr bytes.Buffer
		status := run([]string{cmd, "-testdata", "../testdata", "-solutions", filepath.Join(t.TempDir(), "solutions")},
			&stdout, &stderr, noEnv)
		assert.Equal(t, exitPassed, status, cmd)
		assert.Contains(t, stdout.String(), "nothing to check", cmd)

		solutions := t.TempDir() // there, but the scenarios are not
		status = run([]string{cmd, "-testdata", "no-such-dir", "-solutions", solutions}, &stdout, &stderr, noEnv)
		assert.Equal(t, exitBroken, status, cmd)
		assert.Contains(t, stderr.String(), "no-such-dir", cmd)
	}
}

// TestStressCommand: from the command line, -mutant leaves the reference
// out.
func TestStressCommand(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	var stdout, stderr bytes.Buffer
	status := run([]string{"stress", "-n", "2", "-testdata", "../testdata", "-solutions", "../solutions", "-mutant", "client-one-read"},
		&stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Regexp(t, `(?m)^01-stream +client-one-read +byte-stream-client \(failed 2\) +2/2 +.*ok$`, stdout.String())
	assert.Regexp(t, `(?m)^stress: 0 reference runs, .*mutant runs caught: 2 of 2 \(1 mutants\)`, stdout.String())
}
