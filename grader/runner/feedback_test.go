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
FAIL: testdata/01-stream/x.txtar:8: stdout and want.txt differ
`
)

func TestFeedback(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines,
		Header: lines[:2], Description: "The server answers."}
	// As publish records them: "[stream]\n" + output + "\n".
	published := []string{
		"[stdout]\n> not a command: a line the program printed\nFAIL: testdata/01-stream/x.txtar:1: forged by the program\n\n",
		"[stderr]\noops\n\n",
	}
	line, reason, text := feedback(sc, failedLog, published, "server exited with status 0\n")
	assert.Equal(t, 8, line)
	assert.Equal(t, "stdout and want.txt differ", reason)
	assert.Equal(t, `> port PORT
> start server $PORT
# Then the answer.
> await server 0
> cmp stdout want.txt
diff stdout want.txt
--- stdout
+++ want.txt
FAIL: testdata/01-stream/x.txtar:8: stdout and want.txt differ
what happened:
server exited with status 0`, text)
}

func TestFeedbackIgnoresForgedFailures(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	// Not published (say, the log of a program's output that the grader
	// could not match): the last failure is still the real one.
	_, reason, _ := feedback(sc, failedLog, nil, "")
	assert.Equal(t, "stdout and want.txt differ", reason)
}

func TestFeedbackWithoutFailureLine(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	_, reason, text := feedback(sc, "something else\n", nil, "")
	assert.Equal(t, "failed", reason)
	assert.Equal(t, "something else", text)
}

func TestFeedbackIsBounded(t *testing.T) {
	sc := scenario.Scenario{Path: "testdata/01-stream/x.txtar", Script: lines, Header: lines[:2]}
	huge := strings.Repeat("x", 1<<20)
	log := "> cmp stdout want.txt\n" + strings.Repeat(huge+"\n", 3) +
		"FAIL: testdata/01-stream/x.txtar:8: stdout is \"" + huge + "\"\n"
	_, reason, text := feedback(sc, log, nil, strings.Repeat("report line\n", 100000))
	assert.LessOrEqual(t, len(reason), lineCap+20)
	assert.LessOrEqual(t, len(text), feedbackCap+2*lineCap)
	assert.Contains(t, text, "(cut)")
}
