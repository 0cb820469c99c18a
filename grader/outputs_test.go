//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/report"
	"socklab/grader/scenario"
)

// actions is a GitHub Actions environment whose output and summary files
// are in dir, with the repository checked out in workspace, and the
// variables of extra besides.
func actions(dir, workspace string, extra map[string]string) func(string) string {
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "github-output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
		"GITHUB_WORKSPACE":    workspace,
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// outputs holds everything one grade wrote.
type outputs struct {
	status      int
	stdout      string
	gradescope  report.Results
	classroom   report.Classroom
	junit       report.JUnit
	summary     string
	annotations []string // the ::error lines, in order
	sizes       map[string]int
}

// gradeInActions grades src against the scenarios in testdata as the CI
// workflow does, in a checkout of the course that holds testdata, and
// reads back every output, checking each one parses.
func gradeInActions(t *testing.T, src, testdata string) outputs {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	o := outputs{sizes: map[string]int{}}
	o.status = run([]string{"grade", "-src", src, "-testdata", testdata, "-results",
		filepath.Join(dir, "results.json")}, &stdout, &stderr, actions(dir, filepath.Dir(testdata), nil))
	o.stdout = stdout.String()
	for _, line := range strings.Split(o.stdout, "\n") {
		if strings.HasPrefix(line, "::error ") {
			o.annotations = append(o.annotations, line)
		}
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		o.sizes[name] = len(data)
		return data
	}
	require.NoError(t, json.Unmarshal(read("results.json"), &o.gradescope), "results.json")
	require.NoError(t, json.Unmarshal(read("classroom.json"), &o.classroom), "classroom.json")
	require.NoError(t, xml.Unmarshal(read("junit.xml"), &o.junit), "junit.xml")
	o.summary = string(read("summary.md"))
	assert.NoFileExists(t, filepath.Join(dir, "github-output"), "no step output: nothing reads one since GitHub Classroom")
	assert.NoFileExists(t, filepath.Join(dir, "result.json"), "Classroom 50's result only under its runner")
	return o
}

// TestOutputsInGitHubActions grades the fixture course's skeletons, which
// fail every scenario, as the CI workflow does: the score notice first,
// an annotation on each failed scenario's file and line, the report
// fenced against workflow commands, and every output agreeing.
func TestOutputsInGitHubActions(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	as, err := scenario.Discover(course.Testdata(), "")
	require.NoError(t, err)
	_, possible := expectedScore(as, func(scenario.Scenario) bool { return false })
	require.Positive(t, possible)

	o := gradeInActions(t, course.Assignments(), course.Testdata())
	assert.Equal(t, exitFailed, o.status)
	n := len(o.gradescope.Tests)
	require.Positive(t, n)
	skipped := map[string]bool{}
	for _, a := range as {
		for _, sc := range a.Scenarios {
			skipped[a.Name+"/"+sc.Name] = skipsHere(sc)
		}
	}
	require.Len(t, skipped, n, "a test for each scenario")

	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	assert.Equal(t, fmt.Sprintf("::notice title=socklab::Score: 0/%d", possible), lines[0])
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "::stop-commands::") })
	require.Positive(t, i, "the report is fenced")
	token := strings.TrimPrefix(lines[i], "::stop-commands::")
	assert.Len(t, token, 26)
	assert.Equal(t, "::"+token+"::", lines[len(lines)-1], "commands resume after the report")
	assert.Equal(t, fmt.Sprintf("Score: 0/%d", possible), lines[len(lines)-2])

	assert.Equal(t, 1, o.classroom.Version)
	assert.Equal(t, "fail", o.classroom.Status)
	assert.Equal(t, possible, o.classroom.MaxScore)
	failures := 0
	for _, test := range o.classroom.Tests[:n] {
		assert.Equal(t, filepath.Join(course.Testdata(), filepath.FromSlash(test.Name))+".txtar", test.Filename)
		if skipped[test.Name] {
			continue // a scenario this machine cannot run is no failure
		}
		failures++
		assert.Equal(t, "fail", test.Status, test.Name)
		assert.NotEmpty(t, test.Message, test.Name)
	}
	assert.Equal(t, n, o.junit.Tests)
	assert.Equal(t, failures, o.junit.Failures)
	assert.Contains(t, o.summary, fmt.Sprintf("## socklab: 0/%d points", possible))
	usage := fixtureScenario(t, as, "01-echo", "usage-server-no-port")
	assert.Contains(t, o.summary, fmt.Sprintf("| `01-echo/usage-server-no-port` | 0/%d | ❌ fail |", usage.Points))

	// An annotation a failure, before the fence, each on the scenario's
	// file (relative to the checkout) and the line where it failed.
	require.Len(t, o.annotations, min(failures, report.MaxAnnotations))
	assert.Less(t, slices.Index(lines, o.annotations[len(o.annotations)-1]), i, "the annotations come before the fence")
	var annotation string
	for _, a := range o.annotations {
		if strings.Contains(a, "01-echo/usage-server-no-port (") {
			annotation = a
		}
	}
	require.NotEmpty(t, annotation, "usage-server-no-port is annotated: %q", o.annotations)
	m := regexp.MustCompile(`^::error file=testdata/01-echo/usage-server-no-port\.txtar,line=(\d+),title=FAIL 01-echo/usage-server-no-port \(0/(\d+) points\)::(.*)$`).
		FindStringSubmatch(annotation)
	require.NotNil(t, m, annotation)
	line, _ := strconv.Atoi(m[1])
	require.Positive(t, line)
	require.LessOrEqual(t, line, len(usage.Script))
	assert.Equal(t, strconv.Itoa(usage.Points), m[2])
	assert.Equal(t, usage.Description+"%0AFailed at line "+m[1]+": "+strings.TrimSpace(usage.Script[line-1])+
		"%0Amake grade RUN=usage-server-no-port shows why.", m[3], "the scenario's own words, escaped")
}

// TestAnnotationsOfNotRun: a scenario whose program does not compile is
// annotated as not run, with nothing of the compiler's message (it is
// in the report).
func TestAnnotationsOfNotRun(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	src := t.TempDir()
	require.NoError(t, os.CopyFS(src, os.DirFS(course.Solutions())))
	writeFile(t, filepath.Join(src, "01-echo", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))
	o := gradeInActions(t, src, course.Testdata())
	require.NotEmpty(t, o.annotations)
	for _, a := range o.annotations {
		assert.Contains(t, a, "%0ANot run: a program it starts is missing or does not compile", a)
		assert.NotContains(t, a, "undefined", "the compiler's message is the report's")
		assert.Contains(t, a, "file=testdata/01-echo/", "no line: it did not run")
		assert.NotContains(t, a, "line=")
	}
	assert.Contains(t, o.stdout, "undefined: undefined", "the report has it")
}

// fixtureScenario returns the scenario name of the assignment called
// assignment among as.
func fixtureScenario(t *testing.T, as []scenario.Assignment, assignment, name string) scenario.Scenario {
	t.Helper()
	for _, a := range as {
		for _, sc := range a.Scenarios {
			if a.Name == assignment && sc.Name == name {
				return sc
			}
		}
	}
	t.Fatalf("the fixture course has no scenario %s/%s", assignment, name)
	return scenario.Scenario{}
}

func TestSummaryPutsFailuresFirst(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	o := gradeInActions(t, hostileSubmission(t, course, 1), course.Testdata())
	fail := strings.Index(o.summary, "❌ fail")
	pass := strings.Index(o.summary, "✅ pass")
	require.Positive(t, fail)
	require.Positive(t, pass)
	assert.Less(t, fail, pass)
}

// TestHostileSubmission grades, on the fixture course, clients that print
// workflow commands, ANSI escapes and 100 MB on stdout, and servers that
// print workflow commands on stderr. The score is right (each client
// fails every scenario it is in, for its stdout; each server, whose extra
// stderr the contract allows, passes its own), and no output carries what
// they printed raw or grows past its cap.
func TestHostileSubmission(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	o := gradeInActions(t, hostileSubmission(t, course, 100), course.Testdata())

	as, err := scenario.Discover(course.Testdata(), "")
	require.NoError(t, err)
	// Each assignment's points, scaled to its total where it sets one
	// (02-upper's are).
	want, possible := expectedScore(as, func(sc scenario.Scenario) bool { return !slices.Contains(sc.Programs, "client") })
	require.Positive(t, want, "the servers earn points")
	require.Less(t, want, possible, "the clients lose points")
	assert.Equal(t, want, o.gradescope.Score)
	assert.Equal(t, possible, o.gradescope.MaxScore)
	n := len(o.gradescope.Tests)

	ours := []string{"::notice ", "::warning ", "::error ", "::stop-commands::"}
	for _, line := range strings.Split(o.stdout, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "::") && !slices.ContainsFunc(ours, func(p string) bool { return strings.HasPrefix(trimmed, p) }) {
			assert.Regexp(t, `^::[0-9A-Z]{26}::$`, trimmed, "only the grader's own workflow commands")
		}
	}
	everything := o.stdout + o.summary + string(mustJSON(t, o.gradescope)) + string(mustJSON(t, o.classroom))
	assert.NotContains(t, everything, "\x1b", "no ANSI escape")
	assert.NotContains(t, everything, "##[", "no old-style workflow command")
	assert.Contains(t, o.stdout, "| ::error::forged by the client", "shown, inside the report")
	assert.Contains(t, o.stdout, `| #\x23[set-output`, "shown, escaped")
	assert.Contains(t, o.stdout, "| flood flood", "the flood is shown")
	assert.Contains(t, o.stdout, "(and more, cut)", "and cut")

	assert.Less(t, o.sizes["results.json"], n*16<<10+64<<10, "results.json stays small")
	require.NotEmpty(t, o.annotations, "the clients fail")
	for _, a := range o.annotations {
		for _, printed := range []string{"forged", "flood", "set-output", `\x1b`, "[31m"} {
			assert.NotContains(t, a, printed, "an annotation says nothing a program printed: %s", a)
		}
	}
	assert.Less(t, o.sizes["junit.xml"], n*16<<10+64<<10)
	assert.Less(t, len(o.summary), 64<<10)
	assert.Less(t, len(o.stdout), 2<<20)
}

// hostileSubmission writes a submission of the fixture course's
// assignments, their references, whose every client prints workflow
// commands, ANSI escapes and mb MB on stdout before anything else, and
// whose every server prints workflow commands on stderr.
func hostileSubmission(t *testing.T, course coursetest.Course, mb int) string {
	t.Helper()
	as, err := scenario.Discover(course.Testdata(), "")
	require.NoError(t, err)
	const forged = "::error::forged by the %s\\n::stop-commands::fake\\n##[set-output name=result;]Zm9yZ2Vk\\n\\x1b[2J\\x1b[31mred\\r\\n"
	hostile := map[string]string{
		"client": `package main

import (
	"fmt"
	"os"
	"strings"
)

func init() {
	fmt.Printf("` + forged + `", "client")
	flood := strings.Repeat("flood ", 1<<20/6)
	for range ` + fmt.Sprint(mb) + ` {
		os.Stdout.WriteString(flood)
	}
}
`,
		"server": `package main

import (
	"fmt"
	"os"
)

func init() {
	fmt.Fprintf(os.Stderr, "` + forged + `", "server")
}
`,
	}
	src := t.TempDir()
	for _, a := range as {
		for _, prog := range a.Programs() {
			dir := filepath.Join(src, a.Name, prog)
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(course.Solutions(), a.Name, prog))))
			require.Contains(t, hostile, prog, "the fixture's programs are servers and clients")
			require.NoError(t, os.WriteFile(filepath.Join(dir, "hostile.go"), []byte(hostile[prog]), 0o644))
		}
	}
	return src
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

// TestEditedScenarioIsUnsealed: in a copy of the course sealed as it is,
// editing one scenario makes every output say sealed: false and name it.
// The score is still computed.
func TestEditedScenarioIsUnsealed(t *testing.T) {
	t.Parallel()
	course := coursetest.Copy(t)
	root := course.Root
	require.NoError(t, os.CopyFS(filepath.Join(root, "grader"), os.DirFS(".")))
	var stderr bytes.Buffer
	require.Equal(t, exitPassed, run([]string{"seal", "-root", root}, &stderr, &stderr, noEnv), stderr.String())

	edited := filepath.Join(course.Testdata(), "01-echo", "usage-server-no-port.txtar")
	data, err := os.ReadFile(edited)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(edited, append(data, "# edited\n"...), 0o644))

	o := gradeInActions(t, course.Solutions(), course.Testdata())
	const name = "testdata/01-echo/usage-server-no-port.txtar"
	assert.Equal(t, o.gradescope.MaxScore, o.gradescope.Score, "the score is still computed")
	assert.False(t, o.gradescope.ExtraData.Sealed)
	assert.Equal(t, []string{name}, o.gradescope.ExtraData.Changed)
	assert.Contains(t, o.gradescope.Output, "sealed: false (changed: "+name+")")
	seal := o.classroom.Tests[len(o.classroom.Tests)-1]
	assert.Equal(t, "seal", seal.Name)
	assert.Equal(t, "fail", seal.Status)
	assert.Contains(t, seal.Message, name)
	assert.Contains(t, o.summary, "sealed: false")
	assert.Contains(t, o.summary, "usage-server-no-port.txtar")
	assert.Contains(t, o.stdout, "::warning title=sealed%3A false::sealed: false (changed: "+name+")")
	assert.Contains(t, o.stdout, "\nsealed: false (changed: "+name+")\n\n", "the report says so on its own line")
	for _, suite := range o.junit.Suites {
		assert.Contains(t, suite.Properties, report.JUnitProperty{Name: "sealed", Value: "false"})
	}
}

// classroom50Env is the environment the Classroom 50 runner gives its
// autograder (runner.py's run_entrypoint), for an assignment slug that
// is not a socklab assignment's name.
func classroom50Env() map[string]string {
	return map[string]string{
		"CLASSROOM":       "net101",
		"ASSIGNMENT":      "sockets-1",
		"SUBMISSION_TAG":  "submit/2026-11-30T12-00-00Z-abc1234",
		"COMMIT_URL":      "https://github.com/net101/net101-sockets-1-ann/commit/abc1234",
		"RELEASE_URL":     "https://github.com/net101/net101-sockets-1-ann/releases/tag/submit%2F2026-11-30T12-00-00Z-abc1234",
		"REVIEW_URL":      "https://github.com/net101/net101-sockets-1-ann/compare/0000000...abc1234",
		"OWNER":           "ann",
		"ASSIGNMENT_TYPE": "individual",
		"USERNAME":        "ann",
	}
}

// checkClassroom50Result checks a result.json against Classroom 50's
// result contract (schemas/result-v1.schema.json, and what its runner and
// score collector check in code): the fields it requires, with their
// types, no other top-level field, integer scores no greater than their
// maximum, and a test object each with test-name, passed, score and
// max-score (other fields are kept). It returns the file, decoded.
func checkClassroom50Result(t *testing.T, data []byte, env map[string]string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var res map[string]any
	require.NoError(t, dec.Decode(&res), "result.json is a JSON object:\n%s", data)
	allowed := []string{"schema", "classroom", "assignment", "assignment_type", "owner", "submission", "commit",
		"release", "review", "datetime", "graded_at", "score", "max-score", "tests", "submitted_by"}
	for k := range res {
		assert.Contains(t, allowed, k, "result.json has no top-level field but the schema's")
	}
	str := func(m map[string]any, k string) string {
		s, ok := m[k].(string)
		assert.True(t, ok && s != "", "%s is a non-empty string: %v", k, m[k])
		return s
	}
	integer := func(m map[string]any, k string) int64 {
		n, ok := m[k].(json.Number)
		require.True(t, ok, "%s is a number: %v", k, m[k])
		i, err := n.Int64()
		require.NoError(t, err, "%s is an integer: %v", k, n)
		assert.GreaterOrEqual(t, i, int64(0), k)
		return i
	}
	assert.Equal(t, "classroom50/result/v1", str(res, "schema"))
	assert.Equal(t, env["CLASSROOM"], str(res, "classroom"))
	assert.Equal(t, env["ASSIGNMENT"], str(res, "assignment"), "the Classroom 50 assignment's slug")
	assert.Contains(t, []string{"individual", "group"}, str(res, "assignment_type"))
	assert.Equal(t, env["OWNER"], str(res, "owner"))
	assert.True(t, strings.HasPrefix(str(res, "submission"), "submit/"))
	assert.Equal(t, env["SUBMISSION_TAG"], res["submission"])
	assert.Equal(t, env["COMMIT_URL"], str(res, "commit"))
	assert.Equal(t, env["RELEASE_URL"], str(res, "release"))
	assert.Equal(t, env["REVIEW_URL"], str(res, "review"))
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$`, str(res, "datetime"))
	assert.LessOrEqual(t, integer(res, "score"), integer(res, "max-score"))
	tests, ok := res["tests"].([]any)
	require.True(t, ok, "tests is an array")
	for i, x := range tests {
		test, ok := x.(map[string]any)
		require.True(t, ok, "tests[%d] is an object", i)
		str(test, "test-name")
		_, ok = test["passed"].(bool)
		assert.True(t, ok, "tests[%d].passed is a boolean", i)
		assert.LessOrEqual(t, integer(test, "score"), integer(test, "max-score"), "tests[%d]", i)
	}
	return res
}

// TestClassroom50Outputs: graded under the Classroom 50 runner, the
// grade is also Classroom 50's result.json, which meets its contract and
// agrees with results.json, and release-body.md, failures first; the job
// summary is left to the runner, which shows release-body.md there.
func TestClassroom50Outputs(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	src := t.TempDir()
	require.NoError(t, os.CopyFS(src, os.DirFS(course.Solutions())))
	writeFile(t, filepath.Join(src, "01-echo", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))

	dir := t.TempDir()
	env := classroom50Env()
	var stdout, stderr bytes.Buffer
	status := run([]string{"grade", "-src", src, "-testdata", course.Testdata(), "-results", filepath.Join(dir, "results.json")},
		&stdout, &stderr, actions(dir, course.Root, env))
	require.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)

	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	res := checkClassroom50Result(t, data, env)
	var gradescope report.Results
	data, err = os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &gradescope))
	assert.Equal(t, json.Number(strconv.Itoa(gradescope.Score)), res["score"])
	assert.Equal(t, json.Number(strconv.Itoa(gradescope.MaxScore)), res["max-score"])
	require.Positive(t, gradescope.Score, "the client's scenarios and 02-upper pass")
	require.Less(t, gradescope.Score, gradescope.MaxScore, "the server's fail")
	tests := res["tests"].([]any)
	require.Len(t, tests, len(gradescope.Tests)+2, "a test a scenario, the seal (the fixture course has none), the isolation")
	assert.Equal(t, map[string]any{"test-name": "seal", "passed": false, "score": json.Number("0"), "max-score": json.Number("0"),
		"message": "sealed: false (no SEAL)"}, tests[len(tests)-2])
	assert.Equal(t, map[string]any{"test-name": "isolation", "passed": true, "score": json.Number("0"), "max-score": json.Number("0"),
		"message": "process groups"}, tests[len(tests)-1])
	for i, x := range tests[:len(gradescope.Tests)] {
		test := x.(map[string]any)
		assert.Equal(t, gradescope.Tests[i].Name, test["test-name"])
		if test["passed"] == false {
			assert.Contains(t, test["message"], "not run: ", "why, in a line")
			assert.Contains(t, test["output"], "undefined: undefined", "the story")
		}
	}

	body, err := os.ReadFile(filepath.Join(dir, "release-body.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), fmt.Sprintf("## socklab: %d/%d points\n", gradescope.Score, gradescope.MaxScore)), "%s", body)
	fail, pass := strings.Index(string(body), "❌ fail"), strings.Index(string(body), "✅ pass")
	require.Positive(t, fail)
	assert.Less(t, fail, pass, "failures first")
	assert.Contains(t, string(body), "not run: ", "each failure with its reason")
	assert.NoFileExists(t, filepath.Join(dir, "summary.md"), "the runner puts release-body.md in the job summary")

	// Without the runner's environment whole, no result.json.
	partial := t.TempDir()
	status = run([]string{"grade", "-src", src, "-testdata", course.Testdata(), "-results", filepath.Join(partial, "results.json")},
		&stdout, &stderr, func(k string) string {
			if k == "ASSIGNMENT" {
				return "01-echo"
			}
			return ""
		})
	require.Equal(t, exitFailed, status)
	assert.NoFileExists(t, filepath.Join(partial, "result.json"))
	assert.NoFileExists(t, filepath.Join(partial, "release-body.md"))
}

// TestPrairieLearnOutputs: with SOCKLAB_PRAIRIELEARN_RESULTS set, the
// grade is also PrairieLearn's results there: a gradable score from 0 to
// 1 that is make grade's, and a test a scenario. A grade that broke is
// not gradable.
func TestPrairieLearnOutputs(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	src := t.TempDir()
	require.NoError(t, os.CopyFS(src, os.DirFS(course.Solutions())))
	writeFile(t, filepath.Join(src, "01-echo", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))
	dir := t.TempDir()
	pl := filepath.Join(dir, "pl", "results", "results.json")
	env := func(k string) string {
		if k == "SOCKLAB_PRAIRIELEARN_RESULTS" {
			return pl
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	status := run([]string{"grade", "-src", src, "-testdata", course.Testdata(), "-assignment", "01-echo",
		"-results", filepath.Join(dir, "results.json")}, &stdout, &stderr, env)
	require.Equal(t, exitFailed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)

	var res report.PrairieLearnResults
	data, err := os.ReadFile(pl)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &res))
	var gradescope report.Results
	data, err = os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &gradescope))
	assert.True(t, res.Gradable, "a program that does not compile is the student's: graded")
	require.Positive(t, gradescope.MaxScore)
	assert.InDelta(t, float64(gradescope.Score)/float64(gradescope.MaxScore), res.Score, 1e-9)
	assert.Greater(t, res.Score, 0.0)
	assert.Less(t, res.Score, 1.0)
	assert.Equal(t, fmt.Sprintf("Score: %d/%d", gradescope.Score, gradescope.MaxScore), strings.Split(res.Message, "\n")[0])
	assert.Contains(t, res.Output, "undefined: undefined", "the compiler's message, once, at the top")
	require.Len(t, res.Tests, len(gradescope.Tests))
	for i, test := range res.Tests {
		assert.Equal(t, gradescope.Tests[i].Name, test.Name)
		assert.Equal(t, gradescope.Tests[i].Score, test.Points)
		assert.Equal(t, gradescope.Tests[i].MaxScore, test.MaxPoints)
		assert.NotEmpty(t, test.Description)
		if test.Points < test.MaxPoints {
			assert.Contains(t, test.Message, "not run: ")
		}
	}

	status = run([]string{"grade", "-src", src, "-testdata", filepath.Join(dir, "no-such-dir"),
		"-results", filepath.Join(dir, "results.json")}, &stdout, &stderr, env)
	require.Equal(t, exitBroken, status)
	data, err = os.ReadFile(pl)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &res))
	assert.False(t, res.Gradable, "the grader's fault: not counted")
	assert.Zero(t, res.Score)
	assert.Contains(t, res.Message, "Grading broke: ")
}
