//go:build unix

package proof

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// TestStress grades the reference twice, then stresses one mutant twice.
func TestStress(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	rep, err := Stress(context.Background(), StressOptions{Testdata: course.Testdata(), Solutions: course.Solutions(),
		Assignment: "02-upper", N: 2, Jobs: 8})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Runs)
	assert.Empty(t, rep.Diffs, "the reference gives the same results every time")
	assert.Empty(t, rep.Broken)
	require.Len(t, rep.Mutants, 2)
	m := rep.Mutants[1]
	assert.NoError(t, m.Err)
	assert.Equal(t, "server-lower", m.Name)
	assert.Equal(t, []string{"upper-server"}, m.Scenarios)
	assert.Equal(t, 2, m.Runs)
	assert.Equal(t, 2, m.Caught)
	assert.Equal(t, OK, rep.Verdict())
}

// TestStressNotCaught: a mutant that its scenario does not catch fails
// stress.
func TestStressNotCaught(t *testing.T) {
	t.Parallel()
	testdata, solutions := fixture(t, []string{"usage-server-no-port"}, map[string]string{
		"not-caught": "# caught-by: usage\n" + notCaught,
	})
	rep, err := Stress(context.Background(), StressOptions{Testdata: testdata, Solutions: solutions, N: 2, Jobs: 256})
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out)
	assert.Equal(t, Fail, rep.Verdict(), "%s", &out)
	assert.Contains(t, out.String(), "reference: 2 runs of 1 scenarios")
	assert.Regexp(t, `(?m)^01-echo +not-caught +usage-server-no-port \(failed 0\) +0/2 +.*FAIL: not caught by all of its caught-by in 2 runs$`, out.String())
}

// TestStressTolerated: a mutant with caught-by: none runs every scenario,
// and passes when it fails none.
func TestStressTolerated(t *testing.T) {
	t.Parallel()
	testdata, solutions := fixture(t, []string{"usage-server-no-port", "echo-server"}, map[string]string{
		"tolerated": "# caught-by: none\n" + notCaught,
		"not":       "# caught-by: none\n# No echo.\n\n" + noEcho,
	})
	rep, err := Stress(context.Background(), StressOptions{Testdata: testdata, Solutions: solutions, N: 2, Jobs: 256, SkipReference: true})
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out)
	assert.Equal(t, Fail, rep.Verdict(), "%s", &out)
	assert.Regexp(t, `(?m)^01-echo +tolerated +all 2 +2/2 +.* ok$`, out.String())
	assert.Regexp(t, `(?m)^01-echo +not +all 2, echo-server \(failed 2\) +0/2 +.*FAIL: failed a scenario in 2 runs \(caught-by: none\)$`, out.String())
}
