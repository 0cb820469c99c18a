//go:build unix

package batch

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"socklab/grader/report"
)

// hardestShown is how many scenarios the summary names.
const hardestShown = 3

// WriteSummary writes a few lines for the terminal: how many students
// were graded, each assignment's mean score, the hardest scenarios, and
// the submissions that could not be graded whole.
func (b *Batch) WriteSummary(w io.Writer) error {
	d := b.htmlData()
	stats := d.Assignments
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Graded %d of %d students in %v.\n", d.Graded, d.Students, b.Duration.Round(100*time.Millisecond))
	for _, a := range stats {
		fmt.Fprintf(tw, "%s: mean score %.1f/%.1f (%s), %d of %d with every point.\n",
			a.Name, a.Mean(), a.MeanMax(), a.MeanPercent(), a.Full, a.Graded)
	}
	if hard := Hardest(stats, hardestShown); len(hard) > 0 {
		fmt.Fprintln(tw, "Hardest scenarios:")
		for _, s := range hard {
			fmt.Fprintf(tw, "  %s/%s\t%s\t(%d/%d passed)\n", s.Scenario.Assignment, s.Scenario.Name, s.Percent(), s.Passed, s.Total())
		}
	}
	if d.Seal != "" {
		fmt.Fprintln(tw, report.Clean(d.Seal))
	}
	if d.Interrupted {
		fmt.Fprintln(tw, "Grading was interrupted.")
	}
	if len(d.Broken) > 0 {
		fmt.Fprintln(tw, "Not graded whole (grade them again):")
		for _, e := range d.Broken {
			fmt.Fprintf(tw, "  %s: %s\n", report.Clean(e.Student), report.Clean(e.Why))
		}
	}
	return tw.Flush()
}
