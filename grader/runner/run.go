//go:build unix

package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"socklab/grader/ports"
	"socklab/grader/scenario"
	"socklab/grader/script"
)

// runScenario runs one scenario against the built programs and scores it.
func runScenario(ctx context.Context, sc scenario.Scenario, programs map[string]string, alloc *ports.Allocator) Result {
	start := time.Now()
	out := script.Run(ctx, sc.Path, sc.Data, sc.Timeout, programs, alloc)
	res := Result{Scenario: sc, Duration: time.Since(start)}
	switch {
	case ctx.Err() != nil:
		res.Status = Failed
		res.Reason = "not finished: grading was interrupted"
	case out.Crash != "":
		res.Status = Errored
		res.Reason, _, _ = strings.Cut(out.Crash, "\n")
		res.Feedback = "the grader broke while running this scenario: " + out.Crash
	case out.Abandoned:
		res.Status = Failed
		res.Reason = fmt.Sprintf("the scenario did not finish within its time limit of %v", sc.Timeout)
		res.Feedback = res.Reason + "\nwhat happened:\n" + out.Report
	case out.Broken != "":
		res.Status = Errored
		res.Reason = "the grader could not run this scenario: " + out.Broken
		res.Feedback = res.Reason
	case out.Skipped != "":
		res.Status = Skipped
		res.Reason = out.Skipped
	case out.Failed:
		res.Status = Failed
		res.Line, res.Reason, res.Feedback = feedback(sc, out.Log, out.Report)
	default:
		res.Status = Passed
		res.Earned = sc.Points
	}
	return res
}
