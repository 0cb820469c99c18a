//go:build unix

package batch

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"socklab/grader/runner"
)

// WriteCSV writes the grades as CSV: a header row, then one row per
// student and assignment, by student:
//
//	student,assignment,score,max,status,<assignment>/<scenario>,...,failed,feedback
//
// score and max are the assignment's score as make grade gives it (a
// skipped scenario is not possible; an assignment with a total of its own
// is scaled to it). status is StudentScore.Status: "passed", "failed",
// "does not build: server", "no submission", ... Then come the points
// earned in each scenario of every assignment graded, empty for a
// scenario skipped, one the grader could not run, and one of another
// assignment than the row's; then the scenarios failed with their reasons,
// "a: reason | b, c: reason" (FailureLines); then the student's feedback
// folder, relative to the batch's output directory. A student who could
// not be graded has empty score, max and points.
//
// A cell that a spreadsheet would take for a formula (it starts with = +
// - @, a tab or a carriage return) is written after a quote, "'=...", as
// OWASP advises against CSV injection.
func (b *Batch) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"student", "assignment", "score", "max", "status"}
	column := make(map[string]int) // "<assignment>/<scenario>" -> column
	for _, a := range b.Assignments {
		for _, sc := range a.Scenarios {
			column[a.Name+"/"+sc.Name] = len(header)
			header = append(header, a.Name+"/"+sc.Name)
		}
	}
	header = append(header, "failed", "feedback")
	cw.Write(header)
	for _, e := range b.Entries {
		for _, a := range b.Assignments {
			s := score(e, a)
			row := make([]string, len(header))
			row[0], row[1], row[4] = spreadsheetSafe(e.Student), a.Name, s.Status()
			if s.Err == "" {
				row[2], row[3] = strconv.Itoa(s.Earned), strconv.Itoa(s.Possible)
				for _, r := range e.Grade.Results {
					if col, ok := column[a.Name+"/"+r.Scenario.Name]; ok && r.Scenario.Assignment == a.Name &&
						(r.Status == runner.Passed || r.Status == runner.Failed) {
						row[col] = strconv.Itoa(r.Earned)
					}
				}
			}
			var failed []string
			for _, l := range s.FailureLines() {
				failed = append(failed, l.String())
			}
			row[len(row)-2] = spreadsheetSafe(strings.Join(failed, " | "))
			row[len(row)-1] = spreadsheetSafe(FeedbackPath(e.Student))
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe keeps a spreadsheet from taking s for a formula.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
