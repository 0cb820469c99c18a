package report

import (
	"fmt"
	"strings"

	"socklab/grader/runner"
)

// prairieLearnBudget bounds the outputs of all tests together: PrairieLearn
// takes a results.json of 1 MB at most.
const prairieLearnBudget = 640 << 10

// PrairieLearnResults is a results.json of PrairieLearn's external grader
// (docs/externalGrading.md): score from 0 to 1, whether the submission
// could be graded, a message, and a test a scenario, which the element
// <pl-external-grader-results> shows.
type PrairieLearnResults struct {
	Gradable bool               `json:"gradable"`
	Score    float64            `json:"score"`
	Message  string             `json:"message"`
	Output   string             `json:"output"` // the compiler's messages, if any
	Tests    []PrairieLearnTest `json:"tests"`
}

// A PrairieLearnTest is one scenario.
type PrairieLearnTest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Points      int    `json:"points"`
	MaxPoints   int    `json:"max_points"`
	Message     string `json:"message"`
	Output      string `json:"output"`
}

// PrairieLearn returns the grade in PrairieLearn's format. The score is
// make grade's, as a fraction of the points possible. A grade the grader
// could not complete (grading broke, or the grader failed in a scenario)
// is not gradable: PrairieLearn then neither awards nor takes points nor
// counts the attempt, since the fault is not the student's. A program
// that does not compile is the student's: gradable, and its scenarios
// fail with the compiler's message, as make grade has it.
func PrairieLearn(g *runner.Grade) PrairieLearnResults {
	earned, possible := g.Score()
	res := PrairieLearnResults{
		Gradable: !g.Errored(),
		Message:  fmt.Sprintf("Score: %d/%d", earned, possible),
		Tests:    []PrairieLearnTest{},
	}
	if possible > 0 {
		res.Score = float64(earned) / float64(possible)
	}
	if !g.Seal.Sealed {
		res.Message += "\n" + Clean(g.Seal.String())
	}
	if g.Isolation != "" {
		res.Message += "\nPrograms isolated by: " + g.Isolation
	}
	if g.Broken != "" {
		res.Message += "\nGrading broke: " + Clean(g.Broken)
	}
	if !res.Gradable {
		res.Score = 0
		res.Message += "\nThe grader could not grade this submission whole: it is not counted. Submit it again."
	}
	var compiler strings.Builder
	for _, b := range g.Builds {
		if b.Err != nil {
			fmt.Fprintf(&compiler, "%s\n%s\n", b.Err, b.Output)
		}
	}
	res.Output = Cap(Clean(compiler.String()), testOutputCap)
	each := testOutputCap
	if n := len(g.Results); n > 0 {
		each = min(each, prairieLearnBudget/n)
	}
	for _, r := range g.Results {
		t := PrairieLearnTest{
			Name:        r.Scenario.Assignment + "/" + r.Scenario.Name,
			Description: r.Scenario.Description,
			Points:      r.Earned,
			MaxPoints:   r.Possible(),
			Output:      Cap(Clean(testOutput(r)), each),
		}
		switch r.Status {
		case runner.Passed:
			t.Message = "passed"
		case runner.Skipped:
			t.Message = "skipped: " + oneLine(r.Reason)
		default:
			t.Message = oneLine(r.Reason)
		}
		res.Tests = append(res.Tests, t)
	}
	return res
}
