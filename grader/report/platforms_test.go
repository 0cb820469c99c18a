package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/runner"
	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// scripted is sampleGrade with scenario files: eof-b fails at line 3.
func scripted() *runner.Grade {
	g := sampleGrade()
	for i := range g.Results {
		r := &g.Results[i]
		r.Scenario.Path = "testdata/01-stream/" + r.Scenario.Name + ".txtar"
		r.Scenario.Script = []string{"# points: 1", "", "  await server 1  ", "more"}
	}
	g.Results[1].Line = 3
	g.Seal = seal.Status{Sealed: true}
	return g
}

func TestAnnotations(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Annotations(&b, scripted(), func(p string) string { return p }))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2, "the two failures, not the pass or the skip:\n%s", &b)
	assert.Equal(t, "::error file=testdata/01-stream/eof-b.txtar,line=3,title=FAIL 01-stream/eof-b (0/6 points)::"+
		"About eof-b.%0AFailed at line 3: await server 1%0Amake grade RUN=eof-b shows why.", lines[0])
	assert.Equal(t, "::error file=testdata/01-stream/usage-d.txtar,title=FAIL 01-stream/usage-d (0/1 points)::"+
		"About usage-d.%0ANot run: a program it starts is missing or does not compile (the compiler's message is in the report).%0A"+
		"make grade RUN=usage-d shows why.", lines[1])

	// Outside the repository: no file, the annotation is the run's.
	b.Reset()
	require.NoError(t, Annotations(&b, scripted(), func(string) string { return "" }))
	assert.True(t, strings.HasPrefix(b.String(), "::error title=FAIL 01-stream/eof-b (0/6 points)::"), b.String())
}

// TestAnnotationsEscape: what goes in a workflow command is escaped, the
// properties more than the data, and cleaned.
func TestAnnotationsEscape(t *testing.T) {
	g := scripted()
	g.Results[1].Scenario.Description = "50% of a, b: c\r\n::error::x \x1b[2J"
	var b bytes.Buffer
	require.NoError(t, Annotations(&b, g, func(string) string { return "dir,with:odd%chars.txtar" }))
	line := strings.Split(b.String(), "\n")[0]
	assert.True(t, strings.HasPrefix(line, "::error file=dir%2Cwith%3Aodd%25chars.txtar,line=3,title="), line)
	assert.Contains(t, line, "::50%25 of a, b: c\\x0d%0A\\x3a:error::x \\x1b[2J%0A", line)
	assert.Equal(t, 2, strings.Count(b.String(), "\n"), "one line an annotation")
}

// TestAnnotationsCap: GitHub shows 10 error annotations a step; past
// them, the tenth says how many more failed.
func TestAnnotationsCap(t *testing.T) {
	g := &runner.Grade{}
	for i := range 14 {
		g.Results = append(g.Results, runner.Result{Status: runner.Failed, Reason: "r",
			Scenario: scenario.Scenario{Assignment: "01-stream", Name: fmt.Sprintf("s%02d", i), Points: 1, Description: "d"}})
	}
	var b bytes.Buffer
	require.NoError(t, Annotations(&b, g, func(string) string { return "" }))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, MaxAnnotations)
	assert.Contains(t, lines[8], "s08")
	assert.Equal(t, "::error title=5 more scenarios did not pass::They are in the job summary and the report below.", lines[9])
}

func TestClassroom50FromEnv(t *testing.T) {
	env := map[string]string{"CLASSROOM": "c", "ASSIGNMENT": "a", "SUBMISSION_TAG": "submit/x", "COMMIT_URL": "cu", "RELEASE_URL": "ru"}
	e, ok := Classroom50FromEnv(func(k string) string { return env[k] })
	require.True(t, ok)
	assert.Equal(t, "cu", e.Review, "REVIEW_URL falls back to COMMIT_URL")
	for k := range env {
		_, ok := Classroom50FromEnv(func(key string) string {
			if key == k {
				return ""
			}
			return env[key]
		})
		assert.False(t, ok, "without %s: not under the runner", k)
	}
}

func TestClassroom50Result(t *testing.T) {
	g := scripted()
	env := Classroom50Env{Classroom: "c", Assignment: "a", Submission: "submit/x", Commit: "cu", Release: "ru", Review: "rv"}
	c := Classroom50Result(g, env, time.Date(2026, 11, 30, 13, 4, 5, 0, time.FixedZone("X", 3600)))
	assert.Equal(t, "classroom50/result/v1", c.Schema)
	assert.Equal(t, "2026-11-30T12:04:05Z", c.Datetime, "UTC")
	assert.Equal(t, 4, c.Score)
	assert.Equal(t, 11, c.MaxScore)
	require.Len(t, c.Tests, 4)
	assert.Equal(t, Classroom50Test{Name: "01-stream/usage-a", Passed: true, Score: 4, MaxScore: 4, Output: "About usage-a."}, c.Tests[0])
	assert.False(t, c.Tests[1].Passed)
	assert.Equal(t, "server exited with status 0, want exit status 1", c.Tests[1].Message)
	assert.True(t, c.Tests[2].Passed, "a skipped scenario passes, worth nothing")
	assert.Zero(t, c.Tests[2].MaxScore)
	assert.Equal(t, "no IPv6 here", c.Tests[2].Message)

	g.Seal = seal.Status{Changed: []string{"testdata/x.txtar"}}
	c = Classroom50Result(g, env, time.Now())
	assert.Equal(t, Classroom50Test{Name: "seal", Message: "sealed: false (changed: testdata/x.txtar)"}, c.Tests[len(c.Tests)-1])
}

func TestPrairieLearn(t *testing.T) {
	res := PrairieLearn(scripted())
	assert.True(t, res.Gradable)
	assert.InDelta(t, 4.0/11, res.Score, 1e-9)
	assert.Equal(t, "Score: 4/11", res.Message)
	assert.Contains(t, res.Output, "main.go:3: undefined: y", "the compiler's message")
	require.Len(t, res.Tests, 4)
	assert.Equal(t, PrairieLearnTest{Name: "01-stream/usage-a", Description: "About usage-a.", Points: 4, MaxPoints: 4,
		Message: "passed", Output: "About usage-a."}, res.Tests[0])
	assert.Equal(t, "skipped: no IPv6 here", res.Tests[2].Message)
	assert.Zero(t, res.Tests[2].MaxPoints)

	errored := scripted()
	errored.Results[0].Status = runner.Errored
	res = PrairieLearn(errored)
	assert.False(t, res.Gradable, "the grader broke: not the student's attempt")
	assert.Zero(t, res.Score)

	none := PrairieLearn(&runner.Grade{Seal: seal.Status{Sealed: true}})
	assert.Zero(t, none.Score, "nothing possible: 0, not NaN")
}
