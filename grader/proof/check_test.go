//go:build unix

package proof

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/mutant"
)

// The course, from here.
const (
	courseTestdata    = "../../testdata"
	courseSolutions   = "../../solutions"
	courseAssignments = "../../assignments"
)

// needSolutions skips a test that grades the reference solutions where
// there are none: in a student's copy of the course (grader template).
func needSolutions(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(courseSolutions); err != nil {
		t.Skip("no solutions/ here: a student's copy of the course")
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// TestCheckCourse runs Check on the course's 01-stream: the reference
// scores full marks, the skeleton zero, and every mutant loses points to a
// scenario it names.
func TestCheckCourse(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	rep, err := Check(context.Background(), CheckOptions{Testdata: courseTestdata, Solutions: courseSolutions,
		Skeletons: courseAssignments, Assignment: "01-stream", Jobs: 4})
	require.NoError(t, err)
	mutants := 0
	for _, r := range rep.Rows {
		assert.Contains(t, []Verdict{OK, Skip}, r.Verdict, "%s: %s", r.Name, r.Why)
		require.NotNil(t, r.Grade, r.Name)
		switch r.Kind {
		case Reference:
			assert.Zero(t, r.Lost(), "the reference loses no points")
			assert.Equal(t, 100, r.Possible+skippedPoints(r), "the reference")
		case Skeleton:
			assert.Zero(t, r.Earned, "the skeleton earns nothing")
		case Mutant:
			mutants++
			if r.Verdict == OK && !r.Expect.None {
				assert.Positive(t, r.Lost(), r.Name)
			}
		}
	}
	assert.GreaterOrEqual(t, mutants, 8, "01-stream keeps at least 8 mutants")
	assert.Equal(t, OK, rep.Verdict())

	var out bytes.Buffer
	rep.Print(&out, false)
	assert.Contains(t, out.String(), "ASSIGNMENT  MUTANT")
	assert.Regexp(t, `(?m)^01-stream +server-one-read +byte-stream-server +\d+/100 +ok$`, out.String())
	assert.Regexp(t, `(?m)^01-stream +client-usage-capital +- +0/100 +ok$`, out.String())
	assert.Regexp(t, `(?m)^check: \d+ graded in .*: \d+ ok, 0 failed`, out.String())
}

// skippedPoints is the points of the scenarios a row's grade skipped.
func skippedPoints(r *Row) int {
	n := 0
	for _, res := range r.Grade.Results {
		if res.Possible() == 0 {
			n += res.Scenario.Points
		}
	}
	return n
}

// fixture makes a course with a few fast scenarios of 01-stream, its
// reference solution, and the mutants given (name -> txtar), and returns
// its testdata and solutions directories.
func fixture(t *testing.T, scenarios []string, mutants map[string]string) (testdata, solutions string) {
	t.Helper()
	root := t.TempDir()
	testdata, solutions = filepath.Join(root, "testdata"), filepath.Join(root, "solutions")
	for _, sc := range scenarios {
		data, err := os.ReadFile(filepath.Join(courseTestdata, "01-stream", sc+".txtar"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(testdata, "01-stream", sc+".txtar"), data)
	}
	for _, prog := range []string{"server", "client"} {
		data, err := os.ReadFile(filepath.Join(courseSolutions, "01-stream", prog, "main.go"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(solutions, "01-stream", prog, "main.go"), data)
	}
	for name, text := range mutants {
		writeFile(t, filepath.Join(solutions, "01-stream", mutant.Dir, name+".txtar"), []byte(text))
	}
	return testdata, solutions
}

// notCaught is a mutant that changes a comment only: no scenario can catch
// it.
const notCaught = "# A comment changes.\n\n" +
	"-- server/main.go: old --\n\t// close(): the client sees EOF after our reply.\n" +
	"-- server/main.go: new --\n\t// close()\n"

// TestCheckVerdicts: mutants that are not caught, caught by another
// scenario than they name, do not apply, do not compile or name no
// scenario fail the check, and the warnings name the scenarios no mutant
// fails.
func TestCheckVerdicts(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	testdata, solutions := fixture(t, []string{"usage-client-args", "usage-server-no-port", "usage-client-refused"},
		map[string]string{
			"caught":         "# caught-by: usage-client-args\n# Extra arguments are ignored.\n\n" + threeArgs,
			"family":         "# caught-by: usage\n# Extra arguments are ignored, caught by the family.\n\n" + threeArgs,
			"not-caught":     "# caught-by: usage-server-no-port\n" + notCaught,
			"wrong-scenario": "# caught-by: usage-server-no-port\n# Extra arguments are ignored.\n\n" + threeArgs,
			"prefix-only":    "# caught-by: usage-client\n# A prefix of names is neither a scenario nor a family.\n\n" + threeArgs,
			"tolerated":      "# caught-by: none\n" + notCaught,
			"not-tolerated":  "# caught-by: none\n# Extra arguments are ignored.\n\n" + threeArgs,
			"may-fail":       "# caught-by: usage-client-args\n# may-fail: usage-server-no-port\n# Extra arguments are ignored.\n\n" + threeArgs,
			"stale": "# caught-by: usage-server-no-port\n# Text that is gone.\n\n" +
				"-- server/main.go: old --\n\tno such line\n-- server/main.go: new --\n\tx\n",
			"no-compile": "# caught-by: usage-server-no-port\n# Does not compile.\n\n" +
				"-- server/main.go: old --\n\tos.Exit(1)\n-- server/main.go: new --\n\tos.Exit(\"1\")\n",
			"no-scenario": "# caught-by: byte-stream\n# Names a family this course does not have.\n\n" + threeArgs,
		})
	out := checkFails(t, testdata, solutions, courseAssignments)
	for _, want := range []string{
		`(?m)^01-stream +\(reference\) +- +0/\d+ +ok$`,
		`(?m)^01-stream +\(skeleton\) +all 3 scenarios +(\d+)/\d+ +ok$`,
		`(?m)^01-stream +caught +usage-client-args +[1-9]\d*/\d+ +ok$`,
		`(?m)^01-stream +family +usage-client-args +[1-9]\d*/\d+ +ok$`,
		`(?m)^01-stream +may-fail +usage-client-args +[1-9]\d*/\d+ +ok$`,
		`(?m)^01-stream +tolerated +- +0/\d+ +ok$`,
		`(?m)^01-stream +not-caught +- +0/\d+ +FAIL$`,
		`(?m)^01-stream +wrong-scenario +usage-client-args +[1-9]\d*/\d+ +FAIL$`,
		`(?m)^01-stream +stale +- +- +FAIL$`,
		`(?m)^FAIL 01-stream/not-caught: not caught: no scenario fails \(expected usage-server-no-port\)$`,
		`(?m)^FAIL 01-stream/wrong-scenario: passes usage-server-no-port, which its caught-by names; also fails usage-client-args, which its caught-by does not name$`,
		`(?m)^FAIL 01-stream/prefix-only: caught-by usage-client: 01-stream has no scenario or family of that name$`,
		`(?m)^FAIL 01-stream/not-tolerated: fails usage-client-args, and caught-by: none says the scenarios tolerate it$`,
		`(?m)^FAIL 01-stream/stale: mutant stale: server/main.go: the old text is not in the solution`,
		`(?m)^FAIL 01-stream/no-compile: the mutant does not compile: `,
		`(?m)^FAIL 01-stream/no-scenario: caught-by byte-stream: 01-stream has no scenario or family of that name$`,
		`(?m)^warning: 01-stream/usage-server-no-port: no mutant fails it$`,
		`(?m)^check: 13 graded in .*: 6 ok, 7 failed, 0 skipped, 0 errors, 2 warnings$`,
	} {
		assert.Regexp(t, want, out)
	}
	assert.Contains(t, out, "the mutant: A comment changes.", "a failed mutant's description is shown")
	assert.Regexp(t, `(?m)^warning: 01-stream/usage-client-refused: no mutant fails it$`, out)
}

// threeArgs is the edits of a client that takes extra arguments.
const threeArgs = "-- client/main.go: old --\n\tif len(os.Args) != 3 {\n-- client/main.go: new --\n\tif len(os.Args) < 3 {\n"

// TestCheckSkeletonPasses: the skeleton passing a scenario fails the check,
// with a warning.
func TestCheckSkeletonPasses(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	skeletons := t.TempDir()
	writeFile(t, filepath.Join(skeletons, "01-stream", "server", "main.go"), []byte("package main\n\nfunc main() {}\n"))
	writeFile(t, filepath.Join(skeletons, "01-stream", "client", "main.go"),
		[]byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Fprintln(os.Stderr, \"usage: not yet\")\n\tos.Exit(1)\n}\n"))
	testdata, solutions := fixture(t, []string{"usage-client-args"}, nil)
	out := checkFails(t, testdata, solutions, skeletons)
	assert.Contains(t, out, "FAIL 01-stream/(skeleton): the skeleton passes usage-client-args")
	assert.Contains(t, out, "warning: 01-stream/usage-client-args: the skeleton passes it")
}

// checkFails runs Check on a course and checks that it fails; it returns
// what the check prints.
func checkFails(t *testing.T, testdata, solutions, skeletons string) string {
	t.Helper()
	rep, err := Check(context.Background(), CheckOptions{Testdata: testdata, Solutions: solutions,
		Skeletons: skeletons, Jobs: 4})
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out, false)
	assert.Equal(t, Fail, rep.Verdict(), "%s", &out)
	return out.String()
}
