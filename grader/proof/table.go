//go:build unix

package proof

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"socklab/grader/mutant"
	"socklab/grader/report"
	"socklab/grader/runner"
)

// Print writes the check's table, the reasons of the rows that did not
// pass (with why each of their failing scenarios failed), the warnings, and a last line with the counts. verbose adds why
// each mutant's scenarios failed.
func (rep *CheckReport) Print(w io.Writer, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tMUTANT\tFAILS\tLOST\tTIME\tVERDICT")
	for _, r := range rep.Rows {
		fails := "-"
		switch {
		case r.Grade == nil:
		case r.Kind == Skeleton && len(r.Failed) == len(r.Grade.Results):
			fails = fmt.Sprintf("all %d scenarios", len(r.Failed))
		case r.Kind == Skeleton:
			fails = fmt.Sprintf("%d of %d scenarios", len(r.Failed), len(r.Grade.Results))
		case len(r.Failed) > 0:
			fails = strings.Join(r.Failed, ", ")
		}
		lost := "-"
		if r.Grade != nil {
			lost = fmt.Sprintf("%d/%d", r.Lost(), r.Possible)
		}
		took := "-"
		if r.Grade != nil {
			took = fmt.Sprintf("%.1fs", r.Duration.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Assignment, r.Name, fails, lost, took, r.Verdict)
	}
	tw.Flush()

	counts := map[Verdict]int{}
	for _, r := range rep.Rows {
		counts[r.Verdict]++
	}
	rep.PrintFailed(w)
	if verbose {
		fmt.Fprintln(w)
		for _, r := range rep.Rows {
			if (r.Kind != Mutant && r.Kind != C) || r.Grade == nil {
				continue
			}
			fmt.Fprintf(w, "%s/%s: %s\n", r.Assignment, r.Name, cmp.Or(r.Description, r.Path))
			printFailures(w, r)
		}
	}
	for _, f := range rep.Loaded {
		fmt.Fprintf(w, "\nwarning: %s/%s failed graded beside the others, and passed graded again alone: "+
			"a scenario that fails on a busy machine (make stress tells whether it is flaky). The first grade:", f.Assignment, f.Name)
		fmt.Fprintf(w, "%s", strings.ReplaceAll(f.First, "\n", "\n    "))
		fmt.Fprintln(w)
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, s := range rep.Warnings {
			fmt.Fprintf(w, "warning: %s\n", s)
		}
	}
	spared, results := 0, 0
	for _, r := range rep.Rows {
		if r.Grade != nil {
			spared += r.Spared
			results += len(r.Grade.Results)
		}
	}
	if spared > 0 {
		fmt.Fprintf(w, "\n%d of %d scenario results were the reference's, not run again: "+
			"those scenarios start no program the mutant changed\n", spared, results)
	}
	fmt.Fprintf(w, "\ncheck: %d graded in %.1fs: %d ok, %d failed, %d skipped, %d errors, %d warnings\n",
		len(rep.Rows), rep.Duration.Seconds(), counts[OK], counts[Fail], counts[Skip],
		counts[Error], len(rep.Warnings)+len(rep.Loaded))
}

// PrintFailed writes each row that did not pass: its verdict and why,
// what it is, and why each scenario it failed failed.
func (rep *CheckReport) PrintFailed(w io.Writer) {
	for _, r := range rep.Rows {
		if r.Verdict != OK {
			r.printFailed(w)
		}
	}
}

// printFailed writes a row that did not pass, as PrintFailed says.
func (r *Row) printFailed(w io.Writer) {
	fmt.Fprintf(w, "\n%s %s/%s: %s\n", r.Verdict, r.Assignment, r.Name, report.Clean(r.Why))
	if r.Kind == Mutant || r.Kind == C {
		fmt.Fprintf(w, "    %s\n", r.Path)
		if r.Description != "" {
			fmt.Fprintf(w, "    the mutant: %s\n", r.Description)
		}
		fmt.Fprintf(w, "    caught-by: %s", expectation(r.Expect))
		if len(r.Expect.MayFail) > 0 {
			fmt.Fprintf(w, "; may-fail: %s", strings.Join(r.Expect.MayFail, ", "))
		}
		fmt.Fprintln(w)
	}
	if r.Kind != Skeleton { // a skeleton fails every scenario it should
		printFailures(w, r)
	}
	// What the grader saw in a scenario that should have passed: a flaky
	// scenario shows here.
	for _, res := range r.results() {
		if res.Status == runner.Failed && slices.Contains(r.Unexpected, res.Scenario.Name) {
			fmt.Fprintf(w, "\n    %s, in full:\n        %s\n", res.Scenario.Name,
				strings.ReplaceAll(strings.TrimRight(report.Clean(res.Feedback), "\n"), "\n", "\n        "))
		}
	}
}

// printFailures writes why each scenario the row failed failed.
func printFailures(w io.Writer, r *Row) {
	for _, res := range r.results() {
		if res.Status == runner.Failed {
			fmt.Fprintf(w, "    %s:%d: %s\n", res.Scenario.Name, res.Line, report.Clean(res.Reason))
		}
	}
}

// results are the row's scenario results: none if it was not graded.
func (r *Row) results() []runner.Result {
	if r.Grade == nil {
		return nil
	}
	return r.Grade.Results
}

// expectation is a caught-by line's value.
func expectation(e mutant.Expect) string {
	if e.None {
		return "none"
	}
	return strings.Join(e.CaughtBy, ", ")
}

// Print writes what the stress found: the reference's differing results
// with their feedback, each mutant's runs, and a summary last.
func (rep *StressReport) Print(w io.Writer) {
	const shownFeedback = 5 // the first differences, in full
	for i, d := range rep.Diffs {
		fmt.Fprintf(w, "DIFFERS run %d, %s/%s: %s there, %s in run 1; the failure: %s\n", d.Run, d.Assignment, d.Scenario,
			d.Got, d.Want, report.Clean(d.Reason))
		if i < shownFeedback && d.Feedback != "" {
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(strings.TrimRight(report.Clean(d.Feedback), "\n"), "\n", "\n    "))
		}
	}
	for _, b := range rep.Broken {
		fmt.Fprintf(w, "ERROR reference %s\n", report.Clean(b))
	}
	for _, f := range rep.Failing {
		fmt.Fprintf(w, "warning: the reference fails %s in run 1 (and every run that does not differ)\n", f)
	}
	if rep.Runs > 0 {
		fmt.Fprintf(w, "reference: %d runs of %d scenarios in %.1fs: %d differing results\n",
			rep.Runs, rep.Scenarios, rep.RefTime.Seconds(), len(rep.Diffs))
	}

	caught, runs := 0, 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tMUTANT\tSCENARIOS\tCAUGHT\tTIME\tVERDICT")
	for _, m := range rep.Mutants {
		verdict := string(OK)
		switch {
		case m.Err != nil:
			verdict = string(Fail) + ": " + report.Clean(m.Err.Error())
		case m.Errors > 0:
			verdict = fmt.Sprintf("%s: the grader broke %d times, first in %s", Error, m.Errors, report.Clean(m.FirstError))
		case m.Caught+m.Skipped < m.Runs && m.None:
			verdict = fmt.Sprintf("%s: failed a scenario in %d runs (caught-by: none)", Fail, m.Runs-m.Caught-m.Skipped)
		case m.Caught+m.Skipped < m.Runs:
			verdict = fmt.Sprintf("%s: not caught by all of its caught-by in %d runs", Fail, m.Runs-m.Caught-m.Skipped)
		case len(m.Flaky()) > 0:
			verdict = fmt.Sprintf("%s: flaky: %s", Fail, strings.Join(m.Flaky(), ", "))
		case m.Skipped > 0:
			verdict = fmt.Sprintf("%s: skipped in %d runs", Skip, m.Skipped)
		}
		var by []string
		for _, s := range m.Scenarios {
			if f := m.FailedBy[s]; f > 0 || !m.None {
				by = append(by, fmt.Sprintf("%s (failed %d)", s, f))
			}
		}
		if m.None {
			by = append([]string{fmt.Sprintf("all %d", len(m.Scenarios))}, by...)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%.1fs\t%s\n", m.Assignment, m.Name, strings.Join(by, ", "),
			m.Caught, m.Runs, m.Duration.Seconds(), strings.ReplaceAll(verdict, "\n", " "))
		caught += m.Caught + m.Skipped
		runs += max(m.Runs, rep.N)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nstress: %d reference runs, %d scenarios, %d differing results; mutant runs caught: %d of %d (%d mutants); %.1fs\n",
		rep.Runs, rep.Scenarios, len(rep.Diffs), caught, runs, len(rep.Mutants), rep.Duration.Seconds())
}
