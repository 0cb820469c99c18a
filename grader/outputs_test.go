//go:build unix

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/report"
	"socklab/grader/scenario"
)

// actions is a GitHub Actions environment whose output and summary files
// are in dir.
func actions(dir string) func(string) string {
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "github-output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
	}
	return func(k string) string { return env[k] }
}

// outputs holds everything one grade wrote.
type outputs struct {
	status                int
	stdout                string
	gradescope            report.Results
	classroom             report.Classroom
	junit                 report.JUnit
	summary, githubOutput string
	sizes                 map[string]int
}

// gradeInActions grades src against the scenarios in testdata as the CI
// workflow does, and reads back every output, checking each one parses.
func gradeInActions(t *testing.T, src, testdata string) outputs {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	o := outputs{sizes: map[string]int{}}
	o.status = run([]string{"grade", "-src", src, "-testdata", testdata, "-results",
		filepath.Join(dir, "results.json")}, &stdout, &stderr, actions(dir))
	o.stdout = stdout.String()
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
	o.githubOutput = string(read("github-output"))

	encoded, ok := strings.CutPrefix(strings.TrimSpace(o.githubOutput), "result=")
	require.True(t, ok, "the step output is result=<base64>: %q", o.githubOutput)
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err)
	var fromOutput report.Classroom
	require.NoError(t, json.Unmarshal(decoded, &fromOutput))
	assert.Equal(t, o.classroom, fromOutput, "the step output carries classroom.json")
	return o
}

// TestOutputsInGitHubActions grades the fixture course's skeletons, which
// fail every scenario, as the CI workflow does: the points notice first,
// the report fenced against workflow commands, and every output agreeing.
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
	assert.Equal(t, fmt.Sprintf("::notice title=Autograding complete::Points 0/%d", possible), lines[0])
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

	ours := []string{"::notice ", "::warning ", "::stop-commands::"}
	for _, line := range strings.Split(o.stdout, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "::") && !slices.ContainsFunc(ours, func(p string) bool { return strings.HasPrefix(trimmed, p) }) {
			assert.Regexp(t, `^::[0-9A-Z]{26}::$`, trimmed, "only the grader's own workflow commands")
		}
	}
	everything := o.stdout + o.summary + o.githubOutput + string(mustJSON(t, o.gradescope)) + string(mustJSON(t, o.classroom))
	assert.NotContains(t, everything, "\x1b", "no ANSI escape")
	assert.NotContains(t, everything, "##[", "no old-style workflow command")
	assert.Contains(t, o.stdout, "| ::error::forged by the client", "shown, inside the report")
	assert.Contains(t, o.stdout, `| #\x23[set-output`, "shown, escaped")
	assert.Contains(t, o.stdout, "| flood flood", "the flood is shown")
	assert.Contains(t, o.stdout, "(and more, cut)", "and cut")

	assert.Less(t, o.sizes["results.json"], n*16<<10+64<<10, "results.json stays small")
	assert.Less(t, len(o.githubOutput), 1<<20, "GitHub caps step outputs at 1 MiB")
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
	assert.Contains(t, o.stdout, "\nsealed: false (changed: "+name+")\n\nScore: ")
	for _, suite := range o.junit.Suites {
		assert.Contains(t, suite.Properties, report.JUnitProperty{Name: "sealed", Value: "false"})
	}
}
