package runner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"socklab/grader/scenario"
)

// A scenario with a comment between its steps, and the log testscript
// writes when its last step fails: the phase before the comment is
// rewound to its heading.
var (
	lines = []string{
		"# points: 4",
		"# The server answers.",
		"",
		"[!unix] skip 'not run on a unix machine'",
		"port PORT",
		"start server $PORT",
		"# Then the answer.",
		"await server 0",
		"cmp stdout want.txt",
	}
	failedLog = `WORK=/tmp/socklab-1/script-x
# points: 4 (0.000s)
# The server answers. (0.021s)
# Then the answer. (0.002s)
> await server 0
[stdout]
> not a command: a line the program printed
FAIL: testdata/01-stream/x.txtar:1: forged by the program

[stderr]
oops

> cmp stdout want.txt
diff stdout want.txt
--- stdout
+++ want.txt
FAIL: testdata/01-stream/x.txtar:9: stdout and want.txt differ
`
)

func TestFeedback(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines,
		Header: lines[:2], Description: "The server answers."}
	line, reason, text := feedback(sc, failedLog, "server exited with status 0\n")
	assert.Equal(t, 9, line)
	assert.Equal(t, "stdout and want.txt differ", reason)
	assert.Equal(t, `> port PORT
> start server $PORT
# Then the answer.
> await server 0
> cmp stdout want.txt
diff stdout want.txt
--- stdout
+++ want.txt
FAIL: testdata/01-stream/x.txtar:9: stdout and want.txt differ
what happened:
server exited with status 0`, text)
}

func TestFeedbackIgnoresForgedFailures(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	// A program's output in the log (the grader puts none there, but
	// testscript might): the last failure is still the real one.
	_, reason, _ := feedback(sc, failedLog, "")
	assert.Equal(t, "stdout and want.txt differ", reason)
}

func TestFeedbackWithoutFailureLine(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	_, reason, text := feedback(sc, "something else\n", "")
	assert.Equal(t, "failed", reason)
	assert.Equal(t, "something else", text)
}

func TestFeedbackIsBounded(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	huge := strings.Repeat("x", 1<<20)
	log := "> cmp stdout want.txt\n" + strings.Repeat(huge+"\n", 3) +
		"FAIL: testdata/01-stream/x.txtar:8: stdout is \"" + huge + "\"\n"
	_, reason, text := feedback(sc, log, strings.Repeat("report line\n", 100000))
	assert.LessOrEqual(t, len(reason), failCap+20)
	assert.LessOrEqual(t, len(text), feedbackCap+failCap+lineCap)
	assert.Contains(t, text, "(cut)")
}

// TestFeedbackKeepsTheWant: a failure line longer than other lines may be
// (a long expected value) is shown whole.
func TestFeedbackKeepsTheWant(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	want := strings.Repeat("w", 3*lineCap)
	log := "> await server 0\nFAIL: testdata/01-stream/x.txtar:8: stdout is \"x\"; want exactly \"" + want + "\"\n"
	_, reason, text := feedback(sc, log, "")
	assert.Contains(t, reason, want+`"`)
	assert.Contains(t, text, want+`"`)
}
