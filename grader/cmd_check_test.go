//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/mutant"
)

// TestCheckCourse runs check on the course's 01-stream: the reference
// scores full marks, the skeleton zero, and every mutant loses points to a
// scenario it names.
func TestCheckCourse(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	rep, err := runCheck(context.Background(), checkOptions{Testdata: "../testdata", Solutions: "../solutions",
		Skeletons: "../assignments", Assignment: "01-stream", Jobs: 4})
	require.NoError(t, err)
	mutants := 0
	for _, r := range rep.Rows {
		assert.Contains(t, []string{checkOK, checkSkip}, r.Verdict, "%s: %s", r.Name, r.Why)
		require.NotNil(t, r.Grade, r.Name)
		switch r.Kind {
		case checkReference:
			assert.Zero(t, r.Lost(), "the reference loses no points")
			assert.Equal(t, 100, r.Possible+skippedPoints(r), "the reference")
		case checkSkeleton:
			assert.Zero(t, r.Earned, "the skeleton earns nothing")
		case checkMutant:
			mutants++
			if r.Verdict == checkOK {
				assert.Positive(t, r.Lost(), r.Name)
				assert.True(t, slices.ContainsFunc(r.Failed, r.Mutant.Catches), "%s is caught by %v", r.Name, r.Mutant.CaughtBy)
			}
		}
	}
	assert.GreaterOrEqual(t, mutants, 8, "01-stream keeps at least 8 mutants")
	assert.Equal(t, exitPassed, rep.Status())

	var out bytes.Buffer
	printCheck(&out, rep, false)
	assert.Contains(t, out.String(), "ASSIGNMENT  MUTANT")
	assert.Regexp(t, `(?m)^01-stream +server-one-read +byte-stream-server +\d+/100 +ok$`, out.String())
	assert.Regexp(t, `(?m)^check: \d+ graded in .*: \d+ ok, 0 failed`, out.String())
}

// skippedPoints is the points of the scenarios a row's grade skipped.
func skippedPoints(r *checkRow) int {
	n := 0
	for _, res := range r.Grade.Results {
		if res.Possible() == 0 {
			n += res.Scenario.Points
		}
	}
	return n
}

// checkFixture makes a course with a few fast scenarios of 01-stream, its
// reference solution, and the mutants given (name -> txtar), and returns
// its testdata and solutions directories.
func checkFixture(t *testing.T, scenarios []string, mutants map[string]string) (testdata, solutions string) {
	t.Helper()
	root := t.TempDir()
	testdata, solutions = filepath.Join(root, "testdata"), filepath.Join(root, "solutions")
	for _, sc := range scenarios {
		data, err := os.ReadFile(filepath.Join("../testdata/01-stream", sc+".txtar"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(testdata, "01-stream", sc+".txtar"), data)
	}
	for _, prog := range []string{"server", "client"} {
		data, err := os.ReadFile(filepath.Join("../solutions/01-stream", prog, "main.go"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(solutions, "01-stream", prog, "main.go"), data)
	}
	for name, text := range mutants {
		writeFile(t, filepath.Join(solutions, "01-stream", mutant.Dir, name+".txtar"), []byte(text))
	}
	return testdata, solutions
}

// TestCheckVerdicts: mutants that are not caught, caught by another
// scenario than they name, do not apply, do not compile or name no
// scenario fail the check, and the warnings name the scenarios no mutant
// fails.
func TestCheckVerdicts(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	testdata, solutions := checkFixture(t, []string{"usage-client-args", "usage-server-no-port", "usage-client-refused"},
		map[string]string{
			"caught": "# caught-by: usage-client\n# Extra arguments are ignored.\n\n" +
				"-- client/main.go: old --\n\tif len(os.Args) != 3 {\n-- client/main.go: new --\n\tif len(os.Args) < 3 {\n",
			"not-caught": "# caught-by: usage-server-no-port\n# A comment changes.\n\n" +
				"-- server/main.go: old --\n\t// close(): the client sees EOF after our reply.\n" +
				"-- server/main.go: new --\n\t// close()\n",
			"wrong-scenario": "# caught-by: usage-server-no-port\n# Extra arguments are ignored.\n\n" +
				"-- client/main.go: old --\n\tif len(os.Args) != 3 {\n-- client/main.go: new --\n\tif len(os.Args) < 3 {\n",
			"stale": "# caught-by: usage-server-no-port\n# Text that is gone.\n\n" +
				"-- server/main.go: old --\n\tno such line\n-- server/main.go: new --\n\tx\n",
			"no-compile": "# caught-by: usage-server-no-port\n# Does not compile.\n\n" +
				"-- server/main.go: old --\n\tos.Exit(1)\n-- server/main.go: new --\n\tos.Exit(\"1\")\n",
			"no-scenario": "# caught-by: byte-stream\n# Names a family this course does not have.\n\n" +
				"-- client/main.go: old --\n\tif len(os.Args) != 3 {\n-- client/main.go: new --\n\tif len(os.Args) < 3 {\n",
		})
	var stdout, stderr bytes.Buffer
	status := run([]string{"check", "-testdata", testdata, "-solutions", solutions, "-skeletons", "../assignments"},
		&stdout, &stderr, noEnv)
	out := stdout.String()
	assert.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", out, &stderr)
	for _, want := range []string{
		`(?m)^01-stream +\(reference\) +- +0/\d+ +ok$`,
		`(?m)^01-stream +\(skeleton\) +all 3 scenarios +(\d+)/\d+ +ok$`,
		`(?m)^01-stream +caught +usage-client-args +[1-9]\d*/\d+ +ok$`,
		`(?m)^01-stream +not-caught +- +0/\d+ +FAIL$`,
		`(?m)^01-stream +wrong-scenario +\+1 more +[1-9]\d*/\d+ +FAIL$`,
		`(?m)^01-stream +stale +- +- +FAIL$`,
		`(?m)^FAIL 01-stream/not-caught: not caught: no scenario fails \(expected usage-server-no-port\)$`,
		`(?m)^FAIL 01-stream/wrong-scenario: caught, but not by usage-server-no-port$`,
		`(?m)^FAIL 01-stream/stale: mutant stale: server/main.go: the old text is not in the solution`,
		`(?m)^FAIL 01-stream/no-compile: the mutant does not compile: `,
		`(?m)^FAIL 01-stream/no-scenario: caught-by byte-stream: 01-stream has no such scenario$`,
		`(?m)^warning: 01-stream/usage-server-no-port: no mutant fails it$`,
		`(?m)^check: 8 graded in .*: 3 ok, 5 failed, 0 skipped, 0 errors, 2 warnings$`,
	} {
		assert.Regexp(t, want, out)
	}
	assert.Contains(t, out, "the mutant: A comment changes.", "a failed mutant's description is shown")
	assert.Regexp(t, `(?m)^warning: 01-stream/usage-client-refused: no mutant fails it$`, out)

	// The skeleton passing a scenario fails the check, with a warning.
	skeletons := t.TempDir()
	writeFile(t, filepath.Join(skeletons, "01-stream", "server", "main.go"), []byte("package main\n\nfunc main() {}\n"))
	writeFile(t, filepath.Join(skeletons, "01-stream", "client", "main.go"),
		[]byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Fprintln(os.Stderr, \"usage: not yet\")\n\tos.Exit(1)\n}\n"))
	testdata, solutions = checkFixture(t, []string{"usage-client-args"}, nil)
	stdout.Reset()
	status = run([]string{"check", "-testdata", testdata, "-solutions", solutions, "-skeletons", skeletons},
		&stdout, &stderr, noEnv)
	assert.Equal(t, exitFailed, status, "stdout:\n%s", &stdout)
	assert.Contains(t, stdout.String(), "FAIL 01-stream/(skeleton): the skeleton passes usage-client-args")
	assert.Contains(t, stdout.String(), "warning: 01-stream/usage-client-args: the skeleton passes it")
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

		status = run([]string{cmd, "-testdata", "no-such-dir", "-solutions", "../solutions"}, &stdout, &stderr, noEnv)
		assert.Equal(t, exitBroken, status, cmd)
		assert.Contains(t, stderr.String(), "no-such-dir", cmd)
	}
}

// TestStress grades the reference twice, then stresses one mutant twice.
func TestStress(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	rep, err := runStress(context.Background(), stressOptions{Testdata: "../testdata", Solutions: "../solutions",
		Assignment: "01-stream", Mutant: "server-one-read", N: 2, Jobs: 8})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Runs)
	assert.Empty(t, rep.Diffs, "the reference gives the same results every time")
	assert.Empty(t, rep.Broken)
	require.Len(t, rep.Mutants, 1)
	m := rep.Mutants[0]
	assert.NoError(t, m.Err)
	assert.Equal(t, []string{"byte-stream-server"}, m.Scenarios)
	assert.Equal(t, 2, m.Runs)
	assert.Equal(t, 2, m.Caught)
	assert.Equal(t, exitPassed, rep.Status())

	// From the command line, -mutant leaves the reference out.
	var stdout, stderr bytes.Buffer
	status := run([]string{"stress", "-n", "2", "-testdata", "../testdata", "-solutions", "../solutions", "-mutant", "client-one-read"},
		&stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Regexp(t, `(?m)^01-stream +client-one-read +byte-stream-client \(failed 2\) +2/2 +.*ok$`, stdout.String())
	assert.Regexp(t, `(?m)^stress: 0 reference runs, .*mutant runs caught: 2 of 2 \(1 mutants\)`, stdout.String())
}

// TestStressNotCaught: a mutant that its scenario does not catch fails
// stress.
func TestStressNotCaught(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	testdata, solutions := checkFixture(t, []string{"usage-server-no-port"}, map[string]string{
		"not-caught": "# caught-by: usage-server\n# A comment changes.\n\n" +
			"-- server/main.go: old --\n\t// close(): the client sees EOF after our reply.\n" +
			"-- server/main.go: new --\n\t// close()\n",
	})
	var stdout, stderr bytes.Buffer
	status := run([]string{"stress", "-n", "2", "-testdata", testdata, "-solutions", solutions},
		&stdout, &stderr, noEnv)
	out := stdout.String()
	assert.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", out, &stderr)
	assert.Contains(t, out, "reference: 2 runs of 1 scenarios")
	assert.Regexp(t, `(?m)^01-stream +not-caught +usage-server-no-port \(failed 0\) +0/2 +.*FAIL: not caught in 2 runs$`, out)
}
