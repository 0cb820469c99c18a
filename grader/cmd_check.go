//go:build unix

package main

// The instructors' proofs that the scenarios grade what they should.
//
//	grader check [-testdata DIR] [-solutions DIR] [-skeletons DIR] [-assignment NAME] [-j N] [-v]
//	grader stress [-n 200] [-testdata DIR] [-solutions DIR] [-assignment NAME] [-mutant NAME] [-j N]
//
// check grades, for each assignment, the reference solution (every scenario
// must pass or be skipped), the skeleton (none may pass) and every mutant
// of solutions/<NN-name>/mutants (each must lose points, and one of the
// scenarios its header names must be among those it fails). It prints a
// table and warns of scenarios that no mutant fails and scenarios the
// skeleton passes.
//
// stress grades the reference n times and requires every run to give the
// same result for every scenario as the first; then it runs each mutant's
// catching scenarios n times (n copies of them in one grade, -j at once)
// and requires every run to catch it. With -mutant it stresses that mutant
// alone, and not the reference.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"socklab/grader/mutant"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

func init() {
	subcommands["check"] = checkCmd
	subcommands["stress"] = stressCmd
}

// What a checked submission is.
const (
	checkReference = "reference"
	checkSkeleton  = "skeleton"
	checkMutant    = "mutant"
)

// Verdicts of check rows.
const (
	checkOK    = "ok"
	checkFail  = "FAIL"
	checkSkip  = "skip"  // a mutant whose catching scenarios cannot run here
	checkError = "ERROR" // the grader broke: the row says nothing
)

// checkOptions says what check grades.
type checkOptions struct {
	Testdata, Solutions, Skeletons string
	Assignment                     string
	Jobs                           int  // submissions graded at once
	Verbose                        bool // print why each mutant's catching scenarios failed
}

// A checkRow is one graded submission of an assignment: its reference,
// its skeleton or one of its mutants.
type checkRow struct {
	Assignment string
	Kind       string // checkReference, checkSkeleton, checkMutant
	Name       string // the mutant's name, or the kind
	Mutant     mutant.Mutant
	Failed     []string // the scenarios it fails
	Passed     []string // the scenarios it passes
	Earned     int
	Possible   int
	Verdict    string
	Why        string // for a verdict other than ok: why
	Grade      *runner.Grade

	src string // a directory shaped like assignments/, to grade
	err error  // why it could not be graded
}

// Lost is how many points the submission lost.
func (r *checkRow) Lost() int { return r.Possible - r.Earned }

// A checkReport is what check found.
type checkReport struct {
	Rows     []*checkRow
	Warnings []string // scenarios no mutant fails, scenarios the skeleton passes
	Duration time.Duration
}

// Status is check's exit status: 2 if the grader broke, 1 if a row
// failed, 0 if all passed.
func (c *checkReport) Status() int {
	status := exitPassed
	for _, r := range c.Rows {
		switch r.Verdict {
		case checkError:
			return exitBroken
		case checkFail:
			status = exitFailed
		}
	}
	return status
}

// checkCmd is the check subcommand.
func checkCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var o checkOptions
	flags.StringVar(&o.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	flags.StringVar(&o.Solutions, "solutions", "solutions", "the reference solutions and their mutants")
	flags.StringVar(&o.Skeletons, "skeletons", "assignments", "the students' skeletons")
	flags.StringVar(&o.Assignment, "assignment", "", "check only this assignment, e.g. 01-stream")
	flags.IntVar(&o.Jobs, "j", 4, "submissions (reference, skeleton, mutants) graded at once, each with its scenarios in parallel")
	flags.BoolVar(&o.Verbose, "v", false, "also print why each mutant's catching scenarios failed")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "grader check: unexpected arguments %q\n", flags.Args())
		return exitBroken
	}
	if checkNoSolutions(o.Solutions, stdout) {
		return exitPassed
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := runCheck(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "grader check: %v\n", err)
		return exitBroken
	}
	printCheck(stdout, rep, o.Verbose)
	if ctx.Err() != nil {
		return exitBroken
	}
	return rep.Status()
}

// runCheck grades every assignment's reference, skeleton and mutants, and
// gives each its verdict. It returns an error only when it cannot start.
func runCheck(ctx context.Context, o checkOptions) (*checkReport, error) {
	start := time.Now()
	assignments, err := scenario.Discover(o.Testdata, o.Assignment)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "socklab-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	rep := &checkReport{}
	for _, a := range assignments {
		rep.Rows = append(rep.Rows,
			&checkRow{Assignment: a.Name, Kind: checkReference, Name: "(reference)", src: o.Solutions},
			&checkRow{Assignment: a.Name, Kind: checkSkeleton, Name: "(skeleton)", src: o.Skeletons})
		for _, r := range rep.Rows[len(rep.Rows)-2:] {
			if _, err := os.Stat(filepath.Join(r.src, a.Name)); err != nil {
				r.err = fmt.Errorf("there is no %s", filepath.Join(r.src, a.Name))
			}
		}
		ms, err := mutant.Load(filepath.Join(o.Solutions, a.Name, mutant.Dir))
		if err != nil {
			rep.Rows = append(rep.Rows, &checkRow{Assignment: a.Name, Kind: checkMutant, Name: "(mutants)", err: err})
			continue
		}
		for i, m := range ms {
			r := &checkRow{Assignment: a.Name, Kind: checkMutant, Name: m.Name, Mutant: m,
				src: filepath.Join(tmp, fmt.Sprintf("%s-%03d", a.Name, i))}
			r.err = m.Apply(filepath.Join(o.Solutions, a.Name), r.src)
			if r.err == nil && !slices.ContainsFunc(a.Scenarios, func(sc scenario.Scenario) bool { return m.Catches(sc.Name) }) {
				r.err = fmt.Errorf("caught-by %s: %s has no such scenario", strings.Join(m.CaughtBy, ", "), a.Name)
			}
			rep.Rows = append(rep.Rows, r)
		}
	}

	jobs := max(1, o.Jobs)
	slots := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for _, r := range rep.Rows {
		if r.err != nil {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			g, err := runner.Run(ctx, runner.Options{Src: r.src, Testdata: o.Testdata, Assignment: r.Assignment})
			if err != nil {
				g.Broken = err.Error() // grading could not start
			}
			r.Grade = g
		})
	}
	wg.Wait()
	for _, r := range rep.Rows {
		r.judge()
	}
	rep.Warnings = checkWarnings(assignments, rep.Rows)
	rep.Duration = time.Since(start)
	return rep, nil
}

// judge gives the row its verdict.
func (r *checkRow) judge() {
	verdict := func(v, why string, args ...any) {
		r.Verdict, r.Why = v, fmt.Sprintf(why, args...)
	}
	if r.err != nil {
		verdict(checkFail, "%v", r.err)
		return
	}
	g := r.Grade
	r.Earned, r.Possible = g.Score()
	var skipped []string
	for _, res := range g.Results {
		switch res.Status {
		case runner.Failed:
			r.Failed = append(r.Failed, res.Scenario.Name)
		case runner.Passed:
			r.Passed = append(r.Passed, res.Scenario.Name)
		case runner.Skipped:
			skipped = append(skipped, res.Scenario.Name)
		}
	}
	if g.Errored() {
		why := g.Broken
		for _, res := range g.Results {
			if res.Status == runner.Errored && why == "" {
				why = res.Scenario.Name + ": " + res.Reason
			}
		}
		verdict(checkError, "the grader broke: %s", why)
		return
	}
	switch r.Kind {
	case checkReference:
		if len(r.Failed) > 0 {
			verdict(checkFail, "the reference fails %s", strings.Join(r.Failed, ", "))
			return
		}
	case checkSkeleton:
		if len(r.Passed) > 0 {
			verdict(checkFail, "the skeleton passes %s", strings.Join(r.Passed, ", "))
			return
		}
	case checkMutant:
		if !checkCompiled(g) {
			for _, b := range g.Builds {
				if b.Err != nil {
					verdict(checkFail, "the mutant does not compile: %v\n%s", b.Err, b.Output)
				}
			}
			return
		}
		if slices.ContainsFunc(r.Failed, r.Mutant.Catches) {
			break
		}
		var expected []string
		for _, res := range g.Results {
			if r.Mutant.Catches(res.Scenario.Name) {
				expected = append(expected, res.Scenario.Name)
			}
		}
		switch {
		case len(expected) > 0 && !slices.ContainsFunc(expected, func(n string) bool { return !slices.Contains(skipped, n) }):
			verdict(checkSkip, "%s cannot run here (skipped)", strings.Join(expected, ", "))
		case r.Lost() == 0:
			verdict(checkFail, "not caught: no scenario fails (expected %s)", strings.Join(expected, ", "))
		default:
			verdict(checkFail, "caught, but not by %s", strings.Join(expected, ", "))
		}
		return
	}
	r.Verdict = checkOK
}

// checkCompiled reports whether every program of the grade compiled.
func checkCompiled(g *runner.Grade) bool {
	return !slices.ContainsFunc(g.Builds, func(b runner.Build) bool { return b.Err != nil })
}

// checkWarnings returns the scenarios no mutant fails, and those the
// skeleton passes.
func checkWarnings(assignments []scenario.Assignment, rows []*checkRow) []string {
	var warnings []string
	for _, a := range assignments {
		failed := make(map[string]bool)
		skeleton := make(map[string]bool)
		for _, r := range rows {
			if r.Assignment != a.Name || r.Grade == nil || !checkCompiled(r.Grade) {
				continue // a program that does not compile fails its scenarios for nothing
			}
			for _, n := range r.Failed {
				failed[n] = failed[n] || r.Kind == checkMutant
			}
			for _, n := range r.Passed {
				skeleton[n] = skeleton[n] || r.Kind == checkSkeleton
			}
		}
		for _, sc := range a.Scenarios {
			if !failed[sc.Name] {
				warnings = append(warnings, fmt.Sprintf("%s/%s: no mutant fails it", a.Name, sc.Name))
			}
			if skeleton[sc.Name] {
				warnings = append(warnings, fmt.Sprintf("%s/%s: the skeleton passes it", a.Name, sc.Name))
			}
		}
	}
	return warnings
}

// printCheck writes check's table, the reasons of the rows that did not
// pass, the warnings, and a last line with the counts.
func printCheck(w io.Writer, rep *checkReport, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tMUTANT\tCAUGHT BY\tLOST\tVERDICT")
	for _, r := range rep.Rows {
		caught := "-"
		switch {
		case r.Grade == nil:
		case r.Kind == checkSkeleton && len(r.Failed) == len(r.Grade.Results):
			caught = fmt.Sprintf("all %d scenarios", len(r.Failed))
		case r.Kind == checkSkeleton:
			caught = fmt.Sprintf("%d of %d scenarios", len(r.Failed), len(r.Grade.Results))
		case r.Kind == checkMutant && len(r.Failed) > 0:
			// The scenarios expected to catch it, then how many others did.
			var expected []string
			for _, n := range r.Failed {
				if r.Mutant.Catches(n) {
					expected = append(expected, n)
				}
			}
			caught = strings.Join(expected, ", ")
			if others := len(r.Failed) - len(expected); others > 0 {
				caught = strings.TrimPrefix(fmt.Sprintf("%s +%d more", caught, others), " ")
			}
		case len(r.Failed) > 0:
			caught = strings.Join(r.Failed, ", ")
		}
		lost := "-"
		if r.Grade != nil {
			lost = fmt.Sprintf("%d/%d", r.Lost(), r.Possible)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Assignment, r.Name, caught, lost, r.Verdict)
	}
	tw.Flush()

	counts := map[string]int{}
	for _, r := range rep.Rows {
		counts[r.Verdict]++
		if r.Verdict == checkOK {
			continue
		}
		fmt.Fprintf(w, "\n%s %s/%s: %s\n", r.Verdict, r.Assignment, r.Name, report.Clean(r.Why))
		if r.Kind == checkMutant && r.Mutant.Description != "" {
			fmt.Fprintf(w, "    the mutant: %s\n    %s\n", r.Mutant.Description, r.Mutant.Path)
		}
	}
	if verbose {
		fmt.Fprintln(w)
		for _, r := range rep.Rows {
			if r.Kind != checkMutant || r.Grade == nil {
				continue
			}
			fmt.Fprintf(w, "%s/%s: %s\n", r.Assignment, r.Name, r.Mutant.Description)
			for _, res := range r.Grade.Results {
				if res.Status == runner.Failed && r.Mutant.Catches(res.Scenario.Name) {
					fmt.Fprintf(w, "    %s:%d: %s\n", res.Scenario.Name, res.Line, report.Clean(res.Reason))
				}
			}
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, s := range rep.Warnings {
			fmt.Fprintf(w, "warning: %s\n", s)
		}
	}
	fmt.Fprintf(w, "\ncheck: %d graded in %.1fs: %d ok, %d failed, %d skipped, %d errors, %d warnings\n",
		len(rep.Rows), rep.Duration.Seconds(), counts[checkOK], counts[checkFail], counts[checkSkip],
		counts[checkError], len(rep.Warnings))
}

// checkNoSolutions reports whether there are no reference solutions to check
// (a student's copy of the course has none), and then says so.
func checkNoSolutions(dir string, w io.Writer) bool {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	fmt.Fprintf(w, "There is no %s here (a student's copy of the course?): nothing to check.\n", dir)
	return true
}

// stressOptions says what stress grades, and how often.
type stressOptions struct {
	Testdata, Solutions string
	Assignment          string
	Mutant              string // only this mutant, if set
	SkipReference       bool   // do not grade the reference
	N                   int    // runs
	Jobs                int    // scenarios run at once in a mutant's runs
	// Progress, if set, is called after each reference run and each
	// mutant's runs with a line saying what was done.
	Progress func(line string)
}

// A stressDiff is a reference run whose result for a scenario differs from
// the first run's.
type stressDiff struct {
	Assignment, Scenario string
	Run                  int // from 1; the first run is 1
	Want, Got            runner.Status
	Reason, Feedback     string
}

// A stressMutant is what a mutant's runs gave.
type stressMutant struct {
	Assignment, Name string
	Scenarios        []string       // its catching scenarios
	Runs             int            // n, or 0 when it could not run
	Caught           int            // runs in which a catching scenario failed
	Skipped          int            // runs in which every catching scenario was skipped
	Errors           int            // scenario results where the grader broke
	FailedBy         map[string]int // how many runs each scenario failed
	Err              error          // why it could not run
	Duration         time.Duration
}

// A stressReport is what stress found.
type stressReport struct {
	Runs      int // reference runs
	Scenarios int // scenarios in each
	Diffs     []stressDiff
	Broken    []string // reference runs in which the grader broke
	Failing   []string // scenarios the reference fails in the first run
	Mutants   []stressMutant
	RefTime   time.Duration
	Duration  time.Duration
}

// Status is stress's exit status: 2 if the grader broke, 1 if a result
// differed or a mutant run was not caught, 0 otherwise.
func (s *stressReport) Status() int {
	status := exitPassed
	if len(s.Diffs) > 0 {
		status = exitFailed
	}
	if len(s.Broken) > 0 {
		return exitBroken
	}
	for _, m := range s.Mutants {
		switch {
		case m.Errors > 0:
			return exitBroken
		case m.Err != nil || m.Caught+m.Skipped < m.Runs:
			status = exitFailed
		}
	}
	return status
}

// stressCmd is the stress subcommand.
func stressCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("stress", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var o stressOptions
	flags.IntVar(&o.N, "n", 200, "how many times to grade the reference, and to run each mutant's catching scenarios")
	flags.StringVar(&o.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	flags.StringVar(&o.Solutions, "solutions", "solutions", "the reference solutions and their mutants")
	flags.StringVar(&o.Assignment, "assignment", "", "stress only this assignment, e.g. 01-stream")
	flags.StringVar(&o.Mutant, "mutant", "", "stress only this mutant, e.g. server-one-read, and not the reference")
	flags.IntVar(&o.Jobs, "j", 256, "scenarios run at once in a mutant's runs (many just wait for their time limit)")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	if flags.NArg() > 0 || o.N < 1 {
		fmt.Fprintf(stderr, "grader stress: want -n 1 or more and no arguments, got -n %d %q\n", o.N, flags.Args())
		return exitBroken
	}
	if checkNoSolutions(o.Solutions, stdout) {
		return exitPassed
	}
	o.SkipReference = o.Mutant != ""
	if terminal(stderr) {
		o.Progress = func(line string) { fmt.Fprintf(stderr, "\r\x1b[K%s", line) }
		defer fmt.Fprint(stderr, "\r\x1b[K")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := runStress(ctx, o)
	if o.Progress != nil {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "grader stress: %v\n", err)
		return exitBroken
	}
	printStress(stdout, rep, o.N)
	if ctx.Err() != nil {
		return exitBroken
	}
	return rep.Status()
}

// runStress grades the reference o.N times, comparing every run with the
// first, then runs each mutant's catching scenarios o.N times. It returns
// an error only when it cannot start.
func runStress(ctx context.Context, o stressOptions) (*stressReport, error) {
	start := time.Now()
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	assignments, err := scenario.Discover(o.Testdata, o.Assignment)
	if err != nil {
		return nil, err
	}
	rep := &stressReport{}
	if !o.SkipReference {
		rep.Runs = o.N
	}
	for _, a := range assignments {
		rep.Scenarios += len(a.Scenarios)
	}

	// The reference, o.N times, each a whole grade.
	var first map[string]runner.Result
	for run := 1; run <= o.N && ctx.Err() == nil && !o.SkipReference; run++ {
		g, err := runner.Run(ctx, runner.Options{Src: o.Solutions, Testdata: o.Testdata, Assignment: o.Assignment})
		if err != nil {
			return nil, err
		}
		if g.Broken != "" && ctx.Err() == nil {
			rep.Broken = append(rep.Broken, fmt.Sprintf("run %d: %s", run, g.Broken))
		}
		results := make(map[string]runner.Result)
		for _, r := range g.Results {
			key := r.Scenario.Assignment + "/" + r.Scenario.Name
			results[key] = r
			if r.Status == runner.Errored {
				rep.Broken = append(rep.Broken, fmt.Sprintf("run %d: %s: %s", run, key, r.Reason))
			}
		}
		if first == nil {
			first = results
			for _, r := range g.Results {
				if r.Status == runner.Failed {
					rep.Failing = append(rep.Failing, r.Scenario.Assignment+"/"+r.Scenario.Name)
				}
			}
		}
		for key, r := range results {
			want, ok := first[key]
			if ok && want.Status == r.Status || ctx.Err() != nil {
				continue
			}
			d := stressDiff{Assignment: r.Scenario.Assignment, Scenario: r.Scenario.Name, Run: run,
				Want: want.Status, Got: r.Status, Reason: r.Reason, Feedback: r.Feedback}
			if r.Status == runner.Passed { // what the first run said is the news
				d.Reason, d.Feedback = "in run 1: "+want.Reason, want.Feedback
			}
			rep.Diffs = append(rep.Diffs, d)
		}
		progress("reference: run %d/%d, %d differing results", run, o.N, len(rep.Diffs))
	}
	slices.SortStableFunc(rep.Diffs, func(a, b stressDiff) int {
		return stressCmpRun(a.Run, b.Run, a.Assignment+"/"+a.Scenario, b.Assignment+"/"+b.Scenario)
	})
	rep.RefTime = time.Since(start)

	// Each mutant's catching scenarios, o.N copies of each in one grade.
	tmp, err := os.MkdirTemp("", "socklab-stress-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, a := range assignments {
		ms, err := mutant.Load(filepath.Join(o.Solutions, a.Name, mutant.Dir))
		if err != nil {
			rep.Mutants = append(rep.Mutants, stressMutant{Assignment: a.Name, Name: "(mutants)", Err: err})
			continue
		}
		for i, m := range ms {
			if o.Mutant != "" && m.Name != o.Mutant || ctx.Err() != nil {
				continue
			}
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%03d", a.Name, i))
			sm := stressMutants(ctx, a, m, filepath.Join(o.Solutions, a.Name), dir, o)
			rep.Mutants = append(rep.Mutants, sm)
			progress("mutant %s/%s: caught in %d of %d runs", a.Name, m.Name, sm.Caught, sm.Runs)
		}
	}
	if o.Mutant != "" && len(rep.Mutants) == 0 {
		return nil, fmt.Errorf("no mutant %q", o.Mutant)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// stressCmpRun orders by run, then by scenario.
func stressCmpRun(runA, runB int, a, b string) int {
	if runA != runB {
		return runA - runB
	}
	return strings.Compare(a, b)
}

// stressMutants applies the mutant in dir and runs its catching scenarios
// o.N times: one grade of o.N copies of each, "<scenario>.<run>.txtar",
// o.Jobs at once.
func stressMutants(ctx context.Context, a scenario.Assignment, m mutant.Mutant, solution, dir string, o stressOptions) (sm stressMutant) {
	start := time.Now()
	sm = stressMutant{Assignment: a.Name, Name: m.Name, FailedBy: make(map[string]int)}
	defer func() { sm.Duration = time.Since(start) }()
	src, testdata := filepath.Join(dir, "src"), filepath.Join(dir, "testdata")
	if sm.Err = m.Apply(solution, src); sm.Err != nil {
		return sm
	}
	for _, sc := range a.Scenarios {
		if !m.Catches(sc.Name) {
			continue
		}
		sm.Scenarios = append(sm.Scenarios, sc.Name)
		data, err := os.ReadFile(sc.Path)
		if err == nil {
			err = os.MkdirAll(filepath.Join(testdata, a.Name), 0o755)
		}
		for run := 1; run <= o.N && err == nil; run++ {
			err = os.WriteFile(filepath.Join(testdata, a.Name, fmt.Sprintf("%s.%d.txtar", sc.Name, run)), data, 0o644)
		}
		if err != nil {
			sm.Err = err
			return sm
		}
	}
	if len(sm.Scenarios) == 0 {
		sm.Err = fmt.Errorf("caught-by %s: %s has no such scenario", strings.Join(m.CaughtBy, ", "), a.Name)
		return sm
	}
	g, err := runner.Run(ctx, runner.Options{Src: src, Testdata: testdata, Assignment: a.Name, Jobs: o.Jobs})
	if err != nil {
		sm.Err = err
		return sm
	}
	for _, b := range g.Builds {
		if b.Err != nil {
			sm.Err = fmt.Errorf("the mutant does not compile: %v\n%s", b.Err, b.Output)
			return sm
		}
	}
	type outcome struct{ failed, ran bool }
	runs := make(map[string]outcome)
	for _, r := range g.Results {
		name, run, _ := strings.Cut(r.Scenario.Name, ".")
		out := runs[run]
		switch r.Status {
		case runner.Failed:
			out.failed, out.ran = true, true
			sm.FailedBy[name]++
		case runner.Passed:
			out.ran = true
		case runner.Errored:
			out.ran = true
			sm.Errors++
		}
		runs[run] = out
	}
	sm.Runs = o.N
	if ctx.Err() != nil {
		sm.Err = ctx.Err()
	}
	for _, out := range runs {
		switch {
		case out.failed:
			sm.Caught++
		case !out.ran:
			sm.Skipped++
		}
	}
	return sm
}

// printStress writes what stress found: the reference's differing results
// with their feedback, each mutant's runs, and a summary last.
func printStress(w io.Writer, rep *stressReport, n int) {
	const shownFeedback = 5 // the first differences, in full
	for i, d := range rep.Diffs {
		fmt.Fprintf(w, "DIFFERS run %d, %s/%s: %s, but %s in run 1: %s\n", d.Run, d.Assignment, d.Scenario,
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
	var flaky []string // scenarios that caught a mutant in some runs but not all
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSIGNMENT\tMUTANT\tSCENARIOS\tCAUGHT\tTIME\tVERDICT")
	for _, m := range rep.Mutants {
		verdict := checkOK
		switch {
		case m.Err != nil:
			verdict = checkFail + ": " + report.Clean(m.Err.Error())
		case m.Errors > 0:
			verdict = fmt.Sprintf("%s: the grader broke %d times", checkError, m.Errors)
		case m.Caught+m.Skipped < m.Runs:
			verdict = fmt.Sprintf("%s: not caught in %d runs", checkFail, m.Runs-m.Caught-m.Skipped)
		case m.Skipped > 0:
			verdict = fmt.Sprintf("%s: skipped in %d runs", checkSkip, m.Skipped)
		}
		var by []string
		for _, s := range m.Scenarios {
			by = append(by, fmt.Sprintf("%s (failed %d)", s, m.FailedBy[s]))
			if f := m.FailedBy[s]; f > 0 && f < m.Runs-m.Skipped {
				flaky = append(flaky, fmt.Sprintf("%s/%s: %s failed in %d of %d runs only", m.Assignment, m.Name, s, f, m.Runs-m.Skipped))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%.1fs\t%s\n", m.Assignment, m.Name, strings.Join(by, ", "),
			m.Caught, m.Runs, m.Duration.Seconds(), strings.ReplaceAll(verdict, "\n", " "))
		caught += m.Caught + m.Skipped
		runs += max(m.Runs, n)
	}
	tw.Flush()
	for _, f := range flaky {
		fmt.Fprintf(w, "warning: %s\n", f)
	}
	fmt.Fprintf(w, "\nstress: %d reference runs, %d scenarios, %d differing results; mutant runs caught: %d of %d (%d mutants); %.1fs\n",
		rep.Runs, rep.Scenarios, len(rep.Diffs), caught, runs, len(rep.Mutants), rep.Duration.Seconds())
}
