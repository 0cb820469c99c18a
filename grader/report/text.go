// Package report turns a grade into what people read: the terminal table
// and the results files that course tools take in.
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"socklab/grader/runner"
)

// reasonWidth bounds the one-line reason in a table row.
const reasonWidth = 90

// Text writes the grade for a terminal: compile errors, then the details
// of each scenario that did not pass, then the table of all scenarios,
// the seal when it is broken, and "Score: X/Y" as the last line. With
// color, statuses and the score are in ANSI colors. Everything a program
// printed goes through Clean.
func Text(w io.Writer, g *runner.Grade, color bool) error {
	ew := &errWriter{w: w}
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	for _, b := range g.Builds {
		if b.Err != nil {
			fmt.Fprintf(ew, "%s\n%s\n\n", paint(red, "=== "+b.Err.Error()), indent(Clean(b.Output)))
		}
	}
	for _, r := range g.Results {
		if r.NotRun() {
			continue // its row says why; a compiler's message is shown once, above
		}
		if r.Status == runner.Failed || r.Status == runner.Errored {
			head := fmt.Sprintf("=== %s %s/%s (%s)", strings.ToUpper(statusWord(r.Status)),
				r.Scenario.Assignment, r.Scenario.Name, plural(r.Scenario.Points, "point"))
			fmt.Fprintf(ew, "%s\n    %s\n", paint(colors[r.Status], head), r.Scenario.Description)
			if r.Feedback != "" {
				fmt.Fprintf(ew, "%s\n", indent(Clean(r.Feedback)))
			}
			fmt.Fprintln(ew)
		}
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tSCENARIO\tPOINTS\tRESULT\tTIME\t")
	for _, r := range g.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Scenario.Assignment, r.Scenario.Name,
			points(r), statusWord(r.Status), seconds(r.Duration), shorten(Clean(r.Reason), reasonWidth))
	}
	tw.Flush()
	lines := strings.Split(strings.TrimRight(table.String(), "\n"), "\n")
	col := strings.Index(lines[0], "RESULT") // color the status where the table put it
	for i, line := range lines {
		line = strings.TrimRight(line, " ")
		if i > 0 {
			word := statusWord(g.Results[i-1].Status)
			line = line[:col] + paint(colors[g.Results[i-1].Status], word) + line[col+len(word):]
		}
		fmt.Fprintln(ew, line)
	}
	if !g.Seal.Sealed {
		fmt.Fprintf(ew, "\n%s\n", paint(yellow, Clean(g.Seal.String())))
	}
	if g.Broken != "" {
		fmt.Fprintf(ew, "\n%s\n", paint(magenta, "Grading broke: "+Clean(g.Broken)))
	}
	earned, possible := g.Score()
	fmt.Fprintf(ew, "\n%s\n", paint(bold, fmt.Sprintf("Score: %d/%d", earned, possible)))
	return ew.err
}

// ANSI color codes.
const (
	bold    = "1"
	red     = "1;31"
	green   = "32"
	yellow  = "33"
	magenta = "35"
)

var colors = map[runner.Status]string{
	runner.Passed: green, runner.Failed: red, runner.Skipped: yellow, runner.Errored: magenta,
}

func statusWord(s runner.Status) string {
	switch s {
	case runner.Passed:
		return "pass"
	case runner.Failed:
		return "FAIL"
	case runner.Skipped:
		return "skip"
	}
	return "ERROR"
}

func points(r runner.Result) string {
	if r.Status == runner.Skipped {
		return fmt.Sprintf("-/%d", r.Scenario.Points)
	}
	return fmt.Sprintf("%d/%d", r.Earned, r.Scenario.Points)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func indent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.TrimRight(s, "\n")) {
		b.WriteString("    " + line)
	}
	return b.String()
}

// errWriter keeps the first write error, so that Text can write freely and
// report it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}
