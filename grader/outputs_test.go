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

// gradeInActions grades src as the CI workflow does and reads back every
// output, checking each one parses.
func gradeInActions(t *testing.T, src string) outputs {
	t.Helper()
	return gradeInActionsWith(t, src, "../testdata")
}

// gradeInActionsWith is gradeInActions with the scenarios in testdata.
func gradeInActionsWith(t *testing.T, src, testdata string) outputs {
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

func TestOutputsInGitHubActions(t *testing.T) {
	t.Parallel()
	o := gradeInActions(t, "../assignments")
	assert.Equal(t, exitFailed, o.status)
	n := len(o.gradescope.Tests)
	require.Positive(t, n)

	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	assert.Equal(t, "::notice title=Autograding complete::Points 0/100", lines[0])
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "::stop-commands::") })
	require.Positive(t, i, "the report is fenced")
	token := strings.TrimPrefix(lines[i], "::stop-commands::")
	assert.Len(t, token, 26)
	assert.Equal(t, "::"+token+"::", lines[len(lines)-1], "commands resume after the report")
	assert.Equal(t, "Score: 0/100", lines[len(lines)-2])

	assert.Equal(t, 1, o.classroom.Version)
	assert.Equal(t, "fail", o.classroom.Status)
	assert.Equal(t, 100, o.classroom.MaxScore)
	for _, test := range o.classroom.Tests[:n] {
		assert.Equal(t, "fail", test.Status, test.Name)
		assert.NotEmpty(t, test.Message, test.Name)
		assert.True(t, strings.HasPrefix(test.Filename, "../testdata/01-stream/"), test.Filename)
	}
	assert.Equal(t, n, o.junit.Tests)
	assert.Equal(t, n, o.junit.Failures)
	assert.Contains(t, o.summary, "## socklab: 0/100 points")
	assert.Contains(t, o.summary, "| `01-stream/usage-server-no-port` | 0/4 | ❌ fail |")
}

func TestSummaryPutsFailuresFirst(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	o := gradeInActions(t, hostileSubmission(t, 1))
	fail := strings.Index(o.summary, "❌ fail")
	pass := strings.Index(o.summary, "✅ pass")
	require.Positive(t, fail)
	require.Positive(t, pass)
	assert.Less(t, fail, pass)
}

// TestHostileSubmission grades a client that prints workflow commands,
// ANSI escapes and 100 MB on stdout, and a server that prints workflow
// commands on stderr. The score is right (the client fails every scenario
// it is in, for its stdout; the server, whose extra stderr the contract
// allows, passes its own), and no output carries what they printed raw or
// grows past its cap.
func TestHostileSubmission(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	o := gradeInActions(t, hostileSubmission(t, 100))

	as, err := scenario.Discover("../testdata", "")
	require.NoError(t, err)
	want, possible := 0, 0
	for _, a := range as {
		for _, sc := range a.Scenarios {
			possible += sc.Points
			if !slices.Contains(sc.Programs, "client") {
				want += sc.Points
			}
		}
	}
	assert.Equal(t, want, o.gradescope.Score)
	assert.Equal(t, possible, o.gradescope.MaxScore)

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

	assert.Less(t, o.sizes["results.json"], 20*16<<10+64<<10, "results.json stays small")
	assert.Less(t, len(o.githubOutput), 1<<20, "GitHub caps step outputs at 1 MiB")
	assert.Less(t, o.sizes["junit.xml"], 20*16<<10+64<<10)
	assert.Less(t, len(o.summary), 64<<10)
	assert.Less(t, len(o.stdout), 2<<20)
}

// hostileSubmission writes a submission whose client prints workflow
// commands, ANSI escapes and mb MB on stdout before anything else, and
// whose server prints workflow commands on stderr.
func hostileSubmission(t *testing.T, mb int) string {
	t.Helper()
	src := t.TempDir()
	for _, prog := range []string{"server", "client"} {
		main, err := os.ReadFile(filepath.Join("../solutions/01-stream", prog, "main.go"))
		require.NoError(t, err)
		writeFile(t, filepath.Join(src, "01-stream", prog, "main.go"), main)
	}
	const forged = "::error::forged by the %s\\n::stop-commands::fake\\n##[set-output name=result;]Zm9yZ2Vk\\n\\x1b[2J\\x1b[31mred\\r\\n"
	writeFile(t, filepath.Join(src, "01-stream", "client", "hostile.go"), []byte(`package main

import (
	"fmt"
	"os"
	"strings"
)

func init() {
	fmt.Printf("`+forged+`", "client")
	flood := strings.Repeat("flood ", 1<<20/6)
	for range `+fmt.Sprint(mb)+` {
		os.Stdout.WriteString(flood)
	}
}
`))
	writeFile(t, filepath.Join(src, "01-stream", "server", "hostile.go"), []byte(`package main

import (
	"fmt"
	"os"
)

func init() {
	fmt.Fprintf(os.Stderr, "`+forged+`", "server")
}
`))
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
	needSolutions(t)
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(root, "testdata"), os.DirFS("../testdata")))
	require.NoError(t, os.CopyFS(filepath.Join(root, "grader"), os.DirFS(".")))
	var stderr bytes.Buffer
	require.Equal(t, exitPassed, run([]string{"seal", "-root", root}, &stderr, &stderr, noEnv), stderr.String())

	edited := filepath.Join(root, "testdata", "01-stream", "usage-server-no-port.txtar")
	data, err := os.ReadFile(edited)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(edited, append(data, "# edited\n"...), 0o644))

	o := gradeInActionsWith(t, "../solutions", filepath.Join(root, "testdata"))
	const name = "testdata/01-stream/usage-server-no-port.txtar"
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
