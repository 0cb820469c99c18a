package report

import (
	"fmt"
	"io"
	"strings"

	"socklab/grader/runner"
)

// MaxAnnotations is how many error annotations GitHub shows for one step
// (10 a kind a step, 50 a job): past it, they are dropped.
const MaxAnnotations = 10

// Annotations writes a GitHub Actions error annotation for each scenario
// that did not pass, on its scenario file and the line where it failed:
//
//	::error file=testdata/01-stream/eof-server.txtar,line=12,title=FAIL 01-stream/eof-server (0/6 points)::...
//
// Everything in them is the grader's own: the scenario's name, points,
// description and the step it failed at (from the scenario file), never
// what a program printed, which only the fenced report shows. locate
// turns a scenario's path into the file to annotate, relative to the
// repository, or "" for none (the annotation is then on the run alone).
// Past MaxAnnotations, the last one says how many more failed.
func Annotations(w io.Writer, g *runner.Grade, locate func(path string) string) error {
	ew := &errWriter{w: w}
	var failed []runner.Result
	for _, r := range g.Results {
		if r.Status == runner.Failed || r.Status == runner.Errored {
			failed = append(failed, r)
		}
	}
	for i, r := range failed {
		if i == MaxAnnotations-1 && len(failed) > MaxAnnotations {
			fmt.Fprintf(ew, "::error title=%s::%s\n", commandProperty(fmt.Sprintf("%d more scenarios did not pass", len(failed)-i)),
				commandData("They are in the job summary and the report below."))
			break
		}
		var props []string
		if file := locate(r.Scenario.Path); file != "" {
			props = append(props, "file="+commandProperty(file))
			if r.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", r.Line))
			}
		}
		title := fmt.Sprintf("%s %s/%s (%d/%d points)", strings.ToUpper(statusWord(r.Status)),
			r.Scenario.Assignment, r.Scenario.Name, r.Earned, r.Scenario.Points)
		props = append(props, "title="+commandProperty(title))
		fmt.Fprintf(ew, "::error %s::%s\n", strings.Join(props, ","), commandData(annotationMessage(r)))
	}
	return ew.err
}

// annotationMessage says what the scenario checks and where it stopped,
// in the scenario file's own words.
func annotationMessage(r runner.Result) string {
	msg := r.Scenario.Description
	switch {
	case r.Status == runner.Errored:
		msg += "\nThe grader could not run this scenario (not your program's fault): grade again."
	case r.NotRun():
		msg += "\nNot run: a program it starts is missing or does not compile (the compiler's message is in the report)."
	case r.Line > 0 && r.Line <= len(r.Scenario.Script):
		msg += fmt.Sprintf("\nFailed at line %d: %s", r.Line, strings.TrimSpace(r.Scenario.Script[r.Line-1]))
	}
	return msg + "\nmake grade RUN=" + r.Scenario.Name + " shows why."
}

// commandData escapes text for the data of a workflow command (after
// Clean, so that nothing in it can pass for a command of its own).
func commandData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(Clean(s))
}

// commandProperty escapes text for a property of a workflow command.
func commandProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(Clean(s))
}
