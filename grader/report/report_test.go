package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/runner"
	"socklab/grader/scenario"
)

func sampleGrade() *runner.Grade {
	sc := func(name string, points int) scenario.Scenario {
		return scenario.Scenario{Assignment: "01-stream", Name: name, Points: points,
			Description: "About " + name + ".", Visibility: "visible"}
	}
	return &runner.Grade{
		Duration: 1500 * time.Millisecond,
		Builds:   []runner.Build{{Program: "client", Dir: "x/01-stream/client", Err: errors.New("x/01-stream/client does not compile"), Output: "main.go:3: undefined: y"}},
		Results: []runner.Result{
			{Scenario: sc("usage-a", 4), Status: runner.Passed, Earned: 4, Duration: 10 * time.Millisecond},
			{Scenario: sc("eof-b", 6), Status: runner.Failed, Reason: "server exited with status 0, want exit status 1",
				Feedback: "> await server 1\nFAIL: x.txtar:3: server exited with status 0, want exit status 1"},
			{Scenario: sc("ipv6-c", 3), Status: runner.Skipped, Reason: "no IPv6 here"},
			{Scenario: sc("usage-d", 1), Status: runner.Failed, Reason: "not run: x/01-stream/client does not compile",
				Feedback: "not run: x/01-stream/client does not compile\nmain.go:3: undefined: y"},
		},
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Text(&b, sampleGrade(), false, 100))
	out := b.String()
	assert.Contains(t, out, "=== x/01-stream/client does not compile\n    main.go:3: undefined: y")
	assert.Contains(t, out, "=== FAIL 01-stream/eof-b (6 points)\n    About eof-b.\n    > await server 1")
	assert.Regexp(t, `(?m)^SCENARIO\s+POINTS\s+RESULT\s+TIME\n01-stream\n  usage-a\s+4/4\s+pass\s+0\.01s$`, out)
	assert.Regexp(t, `(?m)^  eof-b\s+0/6\s+FAIL\s+0\.00s  server exited with status 0, want exit status 1$`, out)
	assert.Regexp(t, `(?m)^  ipv6-c\s+-/3\s+skip\s+0\.00s  no IPv6 here$`, out)
	assert.Regexp(t, `(?m)^  usage-d\s+0/1\s+FAIL\s+0\.00s  not run: x/01-stream/client does not compile$`, out)
	assert.Equal(t, 1, strings.Count(out, "undefined: y"), "the compiler's message, once")
	assert.True(t, strings.HasSuffix(out, "\nScore: 4/11\n"), "the score is the last line:\n%s", out)
	for _, line := range strings.Split(out, "\n") {
		assert.Equal(t, strings.TrimRight(line, " "), line, "no trailing spaces")
	}
}

// TestTextFits: the table's rows fit the width; a reason is cut to fit,
// and left out where there is too little room.
func TestTextFits(t *testing.T) {
	g := sampleGrade()
	g.Results[1].Reason = "stdout is \"Please enter the message: \\nI got your message\\n\"; want exactly \"Please enter the message: I got your message\\n\""
	g.Results[1].Feedback = "> exact client stdout 'x'\nFAIL: x.txtar:3: " + g.Results[1].Reason
	for _, width := range []int{80, 60, 120} {
		var b bytes.Buffer
		require.NoError(t, Text(&b, g, false, width))
		table := b.String()[strings.Index(b.String(), "SCENARIO"):]
		for _, line := range strings.Split(table, "\n") {
			assert.LessOrEqual(t, utf8.RuneCountInString(line), width, "width %d: %q", width, line)
		}
		assert.Contains(t, b.String(), g.Results[1].Reason, "the failure's block has it whole")
	}
	var b bytes.Buffer
	require.NoError(t, Text(&b, g, false, 40))
	assert.Regexp(t, `(?m)^  eof-b\s+0/6\s+FAIL\s+0\.00s$`, b.String(), "no room for reasons")
}

func TestGradescope(t *testing.T) {
	res := Gradescope(sampleGrade())
	assert.Equal(t, 4, res.Score)
	assert.Equal(t, 11, res.MaxScore)
	assert.Equal(t, 1.5, res.ExecutionTime)
	require.Len(t, res.Tests, 4)
	assert.Contains(t, res.Tests[3].Output, "undefined: y", "each test carries its own feedback")
	assert.Equal(t, Test{Name: "01-stream/usage-a", Score: 4, MaxScore: 4, Status: "passed",
		Output: "About usage-a.", Visibility: "visible"}, res.Tests[0])
	assert.Equal(t, "failed", res.Tests[1].Status)
	assert.Contains(t, res.Tests[1].Output, "FAIL: x.txtar:3")
	assert.Equal(t, 0, res.Tests[2].MaxScore, "a skipped scenario counts for nothing")
	assert.Contains(t, res.Tests[2].Output, "skipped: no IPv6 here")
}

func TestCap(t *testing.T) {
	assert.Equal(t, "short", Cap("short", 100))
	long := strings.Repeat("é", 1000) // two bytes each
	got := Cap(long, 101)
	assert.LessOrEqual(t, len(got), 101)
	assert.True(t, utf8.ValidString(got))
	assert.True(t, strings.HasSuffix(got, "(cut)"))
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "results.json")
	require.NoError(t, WriteJSON(path, Gradescope(sampleGrade())))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var back Results
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, 4, back.Score)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\n\tindented":             "plain text\n\tindented",
		"\x1b[31mred\x1b[0m":                 `\x1b[31mred\x1b[0m`,
		"over\rwrite":                        `over\x0dwrite`,
		"bad \xff byte":                      `bad \xff byte`,
		"::error::forged":                    `\x3a:error::forged`,
		"  ::stop-commands::tok\n::tok::":    "  \\x3a:stop-commands::tok\n\\x3a:tok::",
		"a::b is fine mid-line":              "a::b is fine mid-line",
		"old ##[error]style, ##[set-output]": `old #\x23[error]style, #\x23[set-output]`,
		"right\u202eto left":                 `right\u202eto left`,
		"café ✓":                             "café ✓",
	} {
		assert.Equal(t, want, Clean(in), "Clean(%q)", in)
	}
}
