//go:build unix

package batch

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"socklab/grader/report"
)

// hardestShown is how many scenarios the summary names.
const hardestShown = 3

// WriteSummary writes a few lines for the terminal: how many students
// were graded, each assignment's mean score, the hardest scenarios with
// the reason most of their failures share, the students who handed
// nothing in and those whose programs do not build (with the compiler's
// first error), and the submissions that could not be graded whole.
// Each student's failures, with their reasons, are in the CSV, the HTML
// report and their feedback folder.
func (b *Batch) WriteSummary(w io.Writer) error {
	d := b.htmlData()
	stats := d.Assignments
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Graded %d of %d students in %v", d.Graded, d.Students, b.Duration.Round(100*time.Millisecond))
	if d.Shard != "" {
		fmt.Fprintf(tw, " (shard %s of a class of %d)", d.Shard, d.ClassSize)
	}
	fmt.Fprintln(tw, ".")
	if len(d.Missing) > 0 {
		fmt.Fprintf(tw, "Shards missing: %s. Their students are in none of these grades: grade them, then merge again.\n",
			strings.Join(d.Missing, ", "))
	}
	for _, a := range stats {
		fmt.Fprintf(tw, "%s: mean score %.1f/%.1f (%s), %d of %d with every point",
			a.Name, a.Mean(), a.MeanMax(), a.MeanPercent(), a.Full, a.Graded)
		if a.NoSubmission > 0 {
			fmt.Fprintf(tw, "; %d with no submission", a.NoSubmission)
		}
		fmt.Fprintln(tw, ".")
	}
	if hard := Hardest(stats, hardestShown); len(hard) > 0 {
		fmt.Fprintln(tw, "Hardest scenarios:")
		for _, s := range hard {
			fmt.Fprintf(tw, "  %s/%s\t%s\t(%d/%d passed)", s.Scenario.Assignment, s.Scenario.Name, s.Percent(), s.Passed, s.Total())
			if s.Shared > 0 {
				fmt.Fprintf(tw, "\tmost often (%d of %d): %s", s.Shared, s.Failed, s.Common)
			}
			fmt.Fprintln(tw)
		}
	}
	// By student: what was not handed in, what does not build.
	var missing, notBuilt []string
	for i, e := range b.Entries {
		var none []string
		for _, a := range stats {
			s := a.Students[i]
			switch {
			case s.Err != "":
			case s.NoSubmission:
				none = append(none, a.Name)
			default:
				for _, prog := range s.Missing {
					none = append(none, a.Name+"/"+prog)
				}
				for _, bd := range s.NotBuilt {
					notBuilt = append(notBuilt, fmt.Sprintf("  %s: %s/%s: %s", report.Clean(e.Student), a.Name, bd.Program, firstError(bd)))
				}
			}
		}
		if len(none) > 0 {
			missing = append(missing, fmt.Sprintf("  %s: %s", report.Clean(e.Student), strings.Join(none, ", ")))
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(tw, "No submission:\n%s\n", strings.Join(missing, "\n"))
	}
	if len(notBuilt) > 0 {
		fmt.Fprintf(tw, "Does not build:\n%s\n", strings.Join(notBuilt, "\n"))
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
