//go:build unix

package runner

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"socklab/grader/ports"
	"socklab/grader/scenario"
	"socklab/grader/script"
)

// runScenario runs one scenario against the built programs and scores it.
func runScenario(ctx context.Context, sc scenario.Scenario, programs map[string]string, alloc *ports.Allocator) Result {
	start := time.Now()
	out := script.Run(ctx, sc.Path, sc.Timeout, programs, alloc)
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
	case out.Skipped != "":
		res.Status = Skipped
		res.Reason = out.Skipped
	case out.Failed:
		res.Status = Failed
		res.Reason = failure(out.Log)
		res.Feedback = feedback(sc, out.Log, out.Published, out.Report)
	default:
		res.Status = Passed
		res.Earned = sc.Points
	}
	return res
}

// failLine matches testscript's report of the failing command.
var failLine = regexp.MustCompile(`(?m)^FAIL: .*?:\d+: (.*)$`)

// failure finds why a scenario failed in its log, in one line.
func failure(log string) string {
	if m := failLine.FindStringSubmatch(log); m != nil {
		return m[1]
	}
	return "failed"
}

// phaseTime is what testscript appends to a comment line of its log.
var phaseTime = regexp.MustCompile(` \(\d+\.\d+s\)$`)

// feedback turns the log of a failed scenario into what a student reads:
// the steps that ran, the one that failed and why, then what each program
// and each grader connection did. Left out: the header, shown apart;
// testscript's bookkeeping; and the copies of the programs' output that
// await and waitfor put in the log (published), which the report shows
// whole.
func feedback(sc scenario.Scenario, log string, published []string, report string) string {
	for _, block := range published {
		log = strings.Replace(log, block, "", 1)
	}
	var b strings.Builder
	for line := range strings.Lines(log) {
		line = phaseTime.ReplaceAllString(strings.TrimRight(line, "\n"), "")
		if line == "" || strings.HasPrefix(line, "WORK=") || slices.Contains(sc.Header, line) {
			continue
		}
		b.WriteString(line + "\n")
	}
	if report != "" {
		b.WriteString("what happened:\n")
		b.WriteString(report)
	}
	return strings.TrimRight(b.String(), "\n")
}
