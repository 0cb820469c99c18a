package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"socklab/grader/runner"
)

// summaryReasonCap bounds the reason in a row of the summary.
const summaryReasonCap = 300

// Summary writes the grade as Markdown for a GitHub job summary: the
// score, the seal when it is broken, then a table of the scenarios,
// failures first.
func Summary(w io.Writer, g *runner.Grade) error {
	ew := &errWriter{w: w}
	earned, possible := g.Score()
	fmt.Fprintf(ew, "## socklab: %d/%d points\n\n", earned, possible)
	if !g.Seal.Sealed {
		fmt.Fprintf(ew, "> [!WARNING]\n> %s\n\n", md(g.Seal.String()))
	}
	if g.Broken != "" {
		fmt.Fprintf(ew, "> [!CAUTION]\n> Grading broke: %s\n\n", md(g.Broken))
	}
	if g.Isolation != "" {
		fmt.Fprintf(ew, "Programs isolated by: %s.\n\n", md(g.Isolation))
	}
	results := slices.Clone(g.Results)
	slices.SortStableFunc(results, func(a, b runner.Result) int { return rank(a.Status) - rank(b.Status) })
	fmt.Fprintln(ew, "| Scenario | Points | Result | Why |")
	fmt.Fprintln(ew, "|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(ew, "| `%s/%s` | %s | %s | %s |\n", r.Scenario.Assignment, r.Scenario.Name,
			points(r), summaryWord(r.Status), md(shorten(r.Reason, summaryReasonCap)))
	}
	fmt.Fprintln(ew)
	return ew.err
}

// rank orders statuses for the summary: what needs attention first.
func rank(s runner.Status) int {
	return slices.Index([]runner.Status{runner.Errored, runner.Failed, runner.Skipped, runner.Passed}, s)
}

func summaryWord(s runner.Status) string {
	switch s {
	case runner.Passed:
		return "✅ pass"
	case runner.Failed:
		return "❌ fail"
	case runner.Skipped:
		return "⏭️ skip"
	}
	return "⚠️ error"
}

// md makes text safe in a Markdown table cell: one line, with Markdown's
// and HTML's special characters escaped.
func md(s string) string {
	s = Clean(s)
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '~', '&':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
