// Package report turns a grade into what people read: the terminal table
// and the results files that course tools take in.
package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"socklab/grader/runner"
)

// DefaultWidth is the width of the table where the terminal's is unknown.
const DefaultWidth = 80

// minReason is the least room worth giving a row's reason: with less,
// the table leaves reasons out (each failure's block above says it all).
const minReason = 20

// Text writes the grade for a terminal of the given width (columns;
// DefaultWidth if 0): compile errors, then the details of each scenario
// that did not pass, then the table of all scenarios, fitted to the
// width, the seal when it is broken, and "Score: X/Y" as the last line.
// With color, statuses and the score are in ANSI colors. Everything a
// program printed goes through Clean.
func Text(w io.Writer, g *runner.Grade, color bool, width int) error {
	if width <= 0 {
		width = DefaultWidth
	}
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
	table(ew, g.Results, width, paint)
	for _, a := range g.Assignments() {
		if total := g.Totals[a]; total > 0 {
			earned, possible := g.RawScore(a)
			scaled, _ := g.AssignmentScore(a)
			fmt.Fprintf(ew, "%s: %d of %d points, scaled to %d/%d\n", a, earned, possible, scaled, total)
		}
	}
	if !g.Seal.Sealed {
		fmt.Fprintf(ew, "\n%s\n", paint(yellow, Clean(g.Seal.String())))
	}
	if g.Isolation != "" {
		fmt.Fprintf(ew, "\nPrograms isolated by: %s\n", g.Isolation)
	}
	if g.Broken != "" {
		fmt.Fprintf(ew, "\n%s\n", paint(magenta, "Grading broke: "+Clean(g.Broken)))
	}
	earned, possible := g.Score()
	fmt.Fprintf(ew, "\n%s\n", paint(bold, fmt.Sprintf("Score: %d/%d", earned, possible)))
	return ew.err
}

// table writes a row a scenario, under a heading line for each
// assignment: its name, points, result and time, then as much of the
// reason as the width leaves room for.
func table(w io.Writer, results []runner.Result, width int, paint func(code, s string) string) {
	nameWidth := len("SCENARIO")
	for _, r := range results {
		nameWidth = max(nameWidth, len(r.Scenario.Name)+2)
	}
	row := func(name, points, result, time string) string {
		return fmt.Sprintf("%-*s  %-6s  %-5s  %6s", nameWidth, name, points, result, time)
	}
	head := row("SCENARIO", "POINTS", "RESULT", "TIME")
	reasonWidth := width - len(head) - 2
	fmt.Fprintln(w, head)
	assignment := ""
	for _, r := range results {
		if r.Scenario.Assignment != assignment {
			assignment = r.Scenario.Assignment
			fmt.Fprintln(w, assignment)
		}
		word := statusWord(r.Status)
		line := row("  "+r.Scenario.Name, points(r), word, seconds(r.Duration))
		if reason := Clean(r.Reason); reason != "" && reasonWidth >= minReason {
			line += "  " + shorten(reason, reasonWidth)
		}
		// Color the status where the row put it.
		col := nameWidth + 2 + 6 + 2
		line = line[:col] + paint(colors[r.Status], word) + line[col+len(word):]
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
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
