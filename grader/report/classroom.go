package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"socklab/grader/runner"
)

// messageCap bounds each test's message in the Classroom result: all of it
// travels base64-encoded in one step output, which GitHub caps at 1 MiB.
const messageCap = 4 << 10

// Classroom is a grade in the format of GitHub Classroom's autograding
// reporter: the result of one "runner", which the reporter reads base64
// encoded from the `result` output of the grading step.
type Classroom struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // pass, fail or error
	MaxScore int             `json:"max_score"`
	Tests    []ClassroomTest `json:"tests"`
}

// A ClassroomTest is one scenario in a Classroom result.
type ClassroomTest struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // pass, fail or error
	Score    int    `json:"score"`
	Message  string `json:"message"`
	TestCode string `json:"test_code"`
	Filename string `json:"filename"`
	LineNo   int    `json:"line_no"`
	Duration int64  `json:"duration"` // milliseconds
}

// ClassroomResult returns the grade as a Classroom runner result. An
// unsealed grade carries a failing test named "seal", worth nothing, that
// names the changed files.
func ClassroomResult(g *runner.Grade) Classroom {
	_, possible := g.Score()
	c := Classroom{Version: 1, Status: "pass", MaxScore: possible, Tests: []ClassroomTest{}}
	for _, r := range g.Results {
		t := ClassroomTest{
			Name:     r.Scenario.Assignment + "/" + r.Scenario.Name,
			Status:   "pass",
			Score:    r.Earned,
			Message:  Cap(Clean(testOutput(r)), messageCap),
			TestCode: fmt.Sprintf("make grade ASSIGNMENT=%s  # %s", r.Scenario.Assignment, r.Scenario.Path),
			Filename: r.Scenario.Path,
			LineNo:   r.Line,
			Duration: r.Duration.Milliseconds(),
		}
		switch r.Status {
		case runner.Failed:
			t.Status = "fail"
		case runner.Errored:
			t.Status = "error"
		}
		c.Tests = append(c.Tests, t)
	}
	if !g.Seal.Sealed {
		c.Tests = append(c.Tests, ClassroomTest{Name: "seal", Status: "fail", Message: Clean(g.Seal.String()),
			TestCode: "make grade", Filename: "testdata/SEAL"})
	}
	for _, t := range c.Tests {
		switch {
		case t.Status == "error":
			c.Status = "error"
		case t.Status == "fail" && c.Status == "pass":
			c.Status = "fail"
		}
	}
	if g.Broken != "" {
		c.Status = "error"
	}
	return c
}

// Encode returns the result as the reporter reads it: JSON, base64.
func (c Classroom) Encode() (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// testOutput is what a student reads about one scenario: its description,
// then why it did not pass.
func testOutput(r runner.Result) string {
	out := r.Scenario.Description
	switch {
	case r.Status == runner.Skipped:
		out += "\nskipped: " + r.Reason
	case r.Feedback != "":
		out += "\n\n" + r.Feedback
	}
	return out
}
