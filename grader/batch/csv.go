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
//	student,assignment,score,max,<assignment>/<scenario>,...
//
// score and max are the points earned and possible (a skipped scenario
// is not possible); then come the points earned in each scenario of every
// assignment graded, empty for a scenario skipped, one the grader could
// not run, and one of another assignment than the row's. A student who
// could not be graded has empty score, max and points.
//
// A student name that a spreadsheet would take for a formula (it starts
// with = + - @, a tab or a carriage return) is written after a quote,
// "'=...", as OWASP advises against CSV injection.
func (b *Batch) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"student", "assignment", "score", "max"}
	column := make(map[string]int) // "<assignment>/<scenario>" -> column
	for _, a := range b.Assignments {
		for _, sc := range a.Scenarios {
			column[a.Name+"/"+sc.Name] = len(header)
			header = append(header, a.Name+"/"+sc.Name)
		}
	}
	cw.Write(header)
	for _, e := range b.Entries {
		for _, a := range b.Assignments {
			row := make([]string, len(header))
			row[0], row[1] = spreadsheetSafe(e.Student), a.Name
			if e.Err == "" && e.Grade != nil {
				earned, possible := 0, 0
				for _, r := range e.Grade.Results {
					if r.Scenario.Assignment != a.Name {
						continue
					}
					earned += r.Earned
					possible += r.Possible()
					if col, ok := column[a.Name+"/"+r.Scenario.Name]; ok &&
						(r.Status == runner.Passed || r.Status == runner.Failed) {
						row[col] = strconv.Itoa(r.Earned)
					}
				}
				row[2], row[3] = strconv.Itoa(earned), strconv.Itoa(possible)
			}
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
