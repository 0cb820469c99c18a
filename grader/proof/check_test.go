//go:build unix

package proof

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/mutant"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// TestCheckCourse runs Check on the fixture course: the references score
// full marks, the skeletons zero, and every mutant fails exactly where it
// says.
func TestCheckCourse(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	rep, err := Check(context.Background(), CheckOptions{Testdata: course.Testdata(), Solutions: course.Solutions(),
		Skeletons: course.Assignments(), Jobs: 4})
	require.NoError(t, err)
	mutants := 0
	for _, r := range rep.Rows {
		assert.Contains(t, []Verdict{OK, Skip}, r.Verdict, "%s: %s", r.Name, r.Why)
		require.NotNil(t, r.Grade, r.Name)
		switch r.Kind {
		case Reference:
			assert.Zero(t, r.Lost(), "the reference loses no points")
			assert.Equal(t, map[string]int{"01-echo": 19, "02-upper": 10}[r.Assignment], r.Possible+skippedPoints(r), r.Assignment)
		case Skeleton:
			assert.Zero(t, r.Earned, "the skeleton earns nothing")
		case Mutant:
			mutants++
			if r.Verdict == OK && !r.Expect.None {
				assert.Positive(t, r.Lost(), r.Name)
			}
		}
	}
	assert.Equal(t, 9, mutants)
	assert.Equal(t, OK, rep.Verdict())

	var out bytes.Buffer
	rep.Print(&out, false)
	assert.Contains(t, out.String(), "ASSIGNMENT  MUTANT")
	assert.Regexp(t, `(?m)^01-echo +server-eof-as-line +eof-server +3/19 +[\d.]+s +ok$`, out.String())
	assert.Regexp(t, `(?m)^01-echo +server-capital-error +- +0/19 +[\d.]+s +ok$`, out.String())
	assert.Regexp(t, `(?m)^02-upper +server-lower +upper-server +6/10 +[\d.]+s +ok$`, out.String(), "scaled: 3 of 5 points is 6 of 10")
	assert.Regexp(t, `(?m)^check: 13 graded in .*: 13 ok, 0 failed`, out.String())
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

// fixture makes a course with the fixture course's scenarios of 01-echo
// given, its reference solution, and the mutants given (name -> txtar),
// and returns its testdata and solutions directories.
func fixture(t *testing.T, scenarios []string, mutants map[string]string) (testdata, solutions string) {
	t.Helper()
	course := coursetest.Fixture(t)
	root := t.TempDir()
	testdata, solutions = filepath.Join(root, "testdata"), filepath.Join(root, "solutions")
	for _, sc := range scenarios {
		data, err := os.ReadFile(filepath.Join(course.Testdata(), "01-echo", sc+".txtar"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(testdata, "01-echo", sc+".txtar"), data)
	}
	for _, prog := range []string{"server", "client"} {
		data, err := os.ReadFile(filepath.Join(course.Solutions(), "01-echo", prog, "main.go"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(solutions, "01-echo", prog, "main.go"), data)
	}
	for name, text := range mutants {
		writeFile(t, filepath.Join(solutions, "01-echo", mutant.Dir, name+".txtar"), []byte(text))
	}
	return testdata, solutions
}

// notCaught is a mutant that changes a comment only: no scenario can catch
// it.
const notCaught = "# A comment changes.\n\n" +
	"-- server/main.go: old --\n// Command server is the fixture course's echo server: it accepts one\n" +
	"-- server/main.go: new --\n// Command server is an echo server: it accepts one\n"

// noEcho is the edits of a server that sends the line back without
// "echo: ".
const noEcho = "-- server/main.go: old --\n\tfmt.Fprintf(c, \"echo: %s\\n\", text)\n-- server/main.go: new --\n\tfmt.Fprintf(c, \"%s\\n\", text)\n"

// TestCheckVerdicts: mutants that are not caught, caught by another
// scenario than they name or by more, do not apply, do not compile or
// name no scenario fail the check; caught-by names scenarios or families,
// may-fail allows, none tolerates; and the warnings name the scenarios no
// mutant fails.
func TestCheckVerdicts(t *testing.T) {
	t.Parallel()
	testdata, solutions := fixture(t, []string{"usage-server-no-port", "echo-server", "eof-server"},
		map[string]string{
			"caught":         "# caught-by: echo-server\n# No echo.\n\n" + noEcho,
			"family":         "# caught-by: echo\n# No echo, caught by the family.\n\n" + noEcho,
			"not-caught":     "# caught-by: usage-server-no-port\n" + notCaught,
			"wrong-scenario": "# caught-by: usage-server-no-port\n# No echo.\n\n" + noEcho,
			"prefix-only":    "# caught-by: usage-server\n# A prefix of names is neither a scenario nor a family.\n\n" + noEcho,
			"tolerated":      "# caught-by: none\n" + notCaught,
			"not-tolerated":  "# caught-by: none\n# No echo.\n\n" + noEcho,
			"may-fail":       "# caught-by: echo-server\n# may-fail: usage-server-no-port\n# No echo.\n\n" + noEcho,
			"stale": "# caught-by: usage-server-no-port\n# Text that is gone.\n\n" +
				"-- server/main.go: old --\n\tno such line\n-- server/main.go: new --\n\tx\n",
			"no-compile": "# caught-by: usage-server-no-port\n# Does not compile.\n\n" +
				"-- server/main.go: old --\n\tos.Exit(1)\n-- server/main.go: new --\n\tos.Exit(\"1\")\n",
			"no-scenario": "# caught-by: byte-stream\n# Names a family this course does not have.\n\n" + noEcho,
		})
	out := checkFails(t, testdata, solutions, coursetest.Fixture(t).Assignments())
	for _, want := range []string{
		`(?m)^01-echo +\(reference\) +- +0/\d+ +[\d.]+s +ok$`,
		`(?m)^01-echo +\(skeleton\) +all 3 scenarios +(\d+)/\d+ +[\d.]+s +ok$`,
		`(?m)^01-echo +caught +echo-server +4/10 +[\d.]+s +ok$`,
		`(?m)^01-echo +family +echo-server +4/10 +[\d.]+s +ok$`,
		`(?m)^01-echo +may-fail +echo-server +4/10 +[\d.]+s +ok$`,
		`(?m)^01-echo +tolerated +- +0/10 +[\d.]+s +ok$`,
		`(?m)^01-echo +not-caught +- +0/10 +[\d.]+s +FAIL$`,
		`(?m)^01-echo +wrong-scenario +echo-server +4/10 +[\d.]+s +FAIL$`,
		`(?m)^01-echo +stale +- +- +- +FAIL$`,
		`(?m)^FAIL 01-echo/not-caught: not caught: no scenario fails \(expected usage-server-no-port\)$`,
		`(?m)^FAIL 01-echo/wrong-scenario: passes usage-server-no-port, which its caught-by names; also fails echo-server, which its caught-by does not name$`,
		`(?m)^    echo-server:\d+: .+$`,            // why each scenario of a failed row failed
		`(?m)^    echo-server, in full:\n        `, // and in full, where it should have passed
		`(?m)^FAIL 01-echo/prefix-only: caught-by usage-server: 01-echo has no scenario or family of that name$`,
		`(?m)^FAIL 01-echo/not-tolerated: fails echo-server, and caught-by: none says the scenarios tolerate it$`,
		`(?m)^FAIL 01-echo/stale: mutant stale: server/main.go: the old text is not in the solution`,
		`(?m)^FAIL 01-echo/no-compile: the mutant does not compile: `,
		`(?m)^FAIL 01-echo/no-scenario: caught-by byte-stream: 01-echo has no scenario or family of that name$`,
		`(?m)^warning: 01-echo/usage-server-no-port: no mutant fails it$`,
		`(?m)^warning: 01-echo/eof-server: no mutant fails it$`,
		`(?m)^check: 13 graded in .*: 6 ok, 7 failed, 0 skipped, 0 errors, 2 warnings$`,
	} {
		assert.Regexp(t, want, out)
	}
	assert.Contains(t, out, "the mutant: A comment changes.", "a failed mutant's description is shown")
}

// TestCheckSkeletonPasses: the skeleton passing a scenario fails the check,
// with a warning.
func TestCheckSkeletonPasses(t *testing.T) {
	t.Parallel()
	skeletons := t.TempDir()
	writeFile(t, filepath.Join(skeletons, "01-echo", "client", "main.go"), []byte("package main\n\nfunc main() {}\n"))
	writeFile(t, filepath.Join(skeletons, "01-echo", "server", "main.go"),
		[]byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Fprintln(os.Stderr, \"ERROR, no port provided\")\n\tos.Exit(1)\n}\n"))
	testdata, solutions := fixture(t, []string{"usage-server-no-port"}, nil)
	out := checkFails(t, testdata, solutions, skeletons)
	assert.Contains(t, out, "FAIL 01-echo/(skeleton): the skeleton passes usage-server-no-port")
	assert.Contains(t, out, "warning: 01-echo/usage-server-no-port: the skeleton passes it")
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

// TestCheckSparesUnchangedPrograms: a mutant of the server takes the
// reference's result for a scenario that starts only the client, and runs
// the ones that start the server; its verdict is the same as with every
// scenario run.
func TestCheckSparesUnchangedPrograms(t *testing.T) {
	t.Parallel()
	testdata, solutions := fixture(t, []string{"echo-client", "echo-server", "echo-pair"},
		map[string]string{"no-echo": "# caught-by: echo-server, echo-pair\n# No echo.\n\n" + noEcho})
	rep, err := Check(context.Background(), CheckOptions{Testdata: testdata, Solutions: solutions,
		Skeletons: coursetest.Fixture(t).Assignments(), Jobs: 4})
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out, false)
	require.Equal(t, OK, rep.Verdict(), "%s", &out)
	rows := map[string]*Row{}
	for _, r := range rep.Rows {
		rows[r.Name] = r
	}
	require.Contains(t, rows, "no-echo")
	m := rows["no-echo"]
	assert.Equal(t, 1, m.Spared, "echo-client starts the client alone")
	assert.Equal(t, []string{"echo-client"}, m.Passed)
	assert.ElementsMatch(t, []string{"echo-pair", "echo-server"}, m.Failed)
	assert.Zero(t, rows["(reference)"].Spared+rows["(skeleton)"].Spared, "the reference and the skeleton run every scenario")
	assert.Regexp(t, `(?m)^1 of \d+ scenario results were the reference's, not run again`, out.String())
}

// TestCheckGradesAgainAlone: a row that fails beside the others is graded
// again alone; one that then passes is ok, with a warning that shows its
// first failure. The variant here fails its first run only.
func TestCheckGradesAgainAlone(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "first-run")
	firstRunFails := "# caught-by: none\n# The server exits 3 the first time it runs, and works after.\n\n" +
		"-- server/main.go: old --\n\tif len(os.Args) != 2 {\n" +
		"-- server/main.go: new --\n\tif f, err := os.OpenFile(" + strconv.Quote(marker) + ", os.O_CREATE|os.O_EXCL, 0o600); err == nil {\n" +
		"\t\tf.Close()\n\t\tos.Exit(3)\n\t}\n\tif len(os.Args) != 2 {\n"
	testdata, solutions := fixture(t, []string{"echo-server"}, map[string]string{"first-run-fails": firstRunFails})
	rep, err := Check(context.Background(), CheckOptions{Testdata: testdata, Solutions: solutions,
		Skeletons: coursetest.Fixture(t).Assignments(), Jobs: 4})
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out, false)
	assert.Equal(t, OK, rep.Verdict(), "%s", &out)
	require.Len(t, rep.Loaded, 1, "%s", &out)
	assert.Equal(t, "first-run-fails", rep.Loaded[0].Name)
	assert.FileExists(t, marker)
	assert.Regexp(t, `(?m)^warning: 01-echo/first-run-fails failed graded beside the others, and passed graded again alone`, out.String())
	assert.Contains(t, out.String(), "echo-server, in full:", "the first failure, in full")
	assert.Regexp(t, `(?m)^check: 3 graded in .*: 3 ok, 0 failed, 0 skipped, 0 errors, \d+ warnings$`, out.String())
}
