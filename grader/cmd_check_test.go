//go:build unix

package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// The logic of check and stress is tested in package proof; these are the
// commands': flags, output and exit statuses.

// TestCheckCommand: check on one scenario, with the reference for the
// skeleton: the skeleton passes the scenario, so the check fails (status
// 1) and says why; -v says why the mutants' scenarios failed.
func TestCheckCommand(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	var stdout, stderr bytes.Buffer
	status := run([]string{"check", "-testdata", course.Testdata(), "-solutions", course.Solutions(),
		"-skeletons", course.Solutions(), "-assignment", "02-upper", "-v"}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Contains(t, stdout.String(), "FAIL 02-upper/(skeleton): the skeleton passes upper-client, upper-server")
	assert.Contains(t, stdout.String(), "warning: 02-upper/upper-server: the skeleton passes it")
	assert.Regexp(t, `(?m)^    upper-server:\d+: `, stdout.String(), "-v: why a mutant's scenario failed")

	stdout.Reset()
	status = run([]string{"check", "-testdata", course.Testdata(), "-solutions", course.Solutions(),
		"-skeletons", course.Assignments()}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
}

// TestCheckCannotRun: no solutions (a student's copy) is nothing to check;
// no scenarios cannot run.
func TestCheckCannotRun(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"check", "stress"} {
		var stdout, stderr bytes.Buffer
		status := run([]string{cmd, "-testdata", coursetest.Fixture(t).Testdata(), "-solutions", filepath.Join(t.TempDir(), "solutions")},
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
	t.Parallel()
	course := coursetest.Fixture(t)
	var stdout, stderr bytes.Buffer
	status := run([]string{"stress", "-n", "2", "-testdata", course.Testdata(), "-solutions", course.Solutions(), "-mutant", "server-lower"},
		&stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Regexp(t, `(?m)^02-upper +server-lower +upper-server \(failed 2\) +2/2 +.*ok$`, stdout.String())
	assert.Regexp(t, `(?m)^stress: 0 reference runs, .*mutant runs caught: 2 of 2 \(1 mutants\)`, stdout.String())
}
