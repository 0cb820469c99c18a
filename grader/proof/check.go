//go:build unix

package proof

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"socklab/grader/mutant"
	"socklab/grader/runner"
	"socklab/grader/scenario"
	"socklab/grader/script"
)

// A Kind is what a checked submission is.
type Kind string

// The kinds of checked submissions.
const (
	Reference Kind = "reference"
	Skeleton  Kind = "skeleton"
	Mutant    Kind = "mutant"
	C         Kind = "C" // the assignment's programs in C, solutions/<NN-name>/c
)

// CheckOptions says what Check grades.
type CheckOptions struct {
	Testdata, Solutions, Skeletons string
	Assignment                     string
	Jobs                           int // submissions graded at once
}

// A Row is one graded submission of an assignment: its reference, its
// skeleton, one of its mutants, or its programs in C.
type Row struct {
	Assignment  string
	Kind        Kind
	Name        string        // the mutant's name, or the kind
	Expect      mutant.Expect // for a mutant or C: what it must fail, and may
	Description string        // for a mutant: its bug
	Path        string        // for a mutant: its file; for C: its directory
	Failed      []string      // the scenarios it fails
	Passed      []string      // the scenarios it passes
	Skipped     []string      // the scenarios that could not run here
	Earned      int
	Possible    int
	Verdict     Verdict
	Why         string // for a verdict other than OK: why
	Grade       *runner.Grade
	Duration    time.Duration // how long its grade took
	Spared      int           // scenarios not run: they start no program the mutant changed (see spared)
	Unexpected  []string      // for a verdict other than OK: the scenarios it should have passed and failed

	src, bin string // a directory shaped like assignments/ to grade, or of executables
	err      error  // why it could not be graded
	skip     string // why it cannot be graded here
}

// Lost is how many points the submission lost.
func (r *Row) Lost() int { return r.Possible - r.Earned }

// A CheckReport is what Check found.
type CheckReport struct {
	Rows     []*Row
	Warnings []string // scenarios no mutant fails, scenarios the skeleton passes
	Loaded   []Loaded // rows that failed beside the others and passed alone
	Duration time.Duration
}

// Loaded is a row that failed when graded beside the others and passed
// when graded again alone: its verdict is the second grade's, and the
// check warns of the first.
type Loaded struct {
	Assignment, Name string
	First            string // the first grade's failure, as PrintFailed writes it
}

// Verdict is the check's: Error if the grader broke, Fail if a row failed,
// OK if all passed.
func (c *CheckReport) Verdict() Verdict {
	v := OK
	for _, r := range c.Rows {
		switch r.Verdict {
		case Error:
			return Error
		case Fail:
			v = Fail
		}
	}
	return v
}

// Slack is what a scenario's -within deadlines are multiplied by in make
// check (see script.WithSlack): it grades several submissions at once, each
// with its scenarios in parallel, where make test runs other tests too.
// The scenarios' own time limits stay, so that a mutant that hangs costs
// no more; a mutant caught by a deadline is caught without the slack.
const Slack = 3

// Check grades every assignment's reference, skeleton, mutants and
// programs in C, and gives each its verdict. It returns an error only when
// it cannot start.
func Check(ctx context.Context, o CheckOptions) (*CheckReport, error) {
	start := time.Now()
	ctx = script.WithSlack(ctx, Slack)
	assignments, err := scenario.Discover(o.Testdata, o.Assignment)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "socklab-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	rep := &CheckReport{}
	byAssignment := make(map[string]scenario.Assignment)
	for _, a := range assignments {
		byAssignment[a.Name] = a
		rep.Rows = append(rep.Rows,
			&Row{Assignment: a.Name, Kind: Reference, Name: "(reference)", src: o.Solutions},
			&Row{Assignment: a.Name, Kind: Skeleton, Name: "(skeleton)", src: o.Skeletons})
		for _, r := range rep.Rows[len(rep.Rows)-2:] {
			if _, err := os.Stat(filepath.Join(r.src, a.Name)); err != nil {
				r.err = fmt.Errorf("there is no %s", filepath.Join(r.src, a.Name))
			}
		}
		ms, err := mutant.Load(filepath.Join(o.Solutions, a.Name, mutant.Dir))
		if err != nil {
			rep.Rows = append(rep.Rows, &Row{Assignment: a.Name, Kind: Mutant, Name: "(mutants)", err: err})
			continue
		}
		for i, m := range ms {
			r := &Row{Assignment: a.Name, Kind: Mutant, Name: m.Name, Expect: m.Expect,
				Description: m.Description, Path: m.Path, src: filepath.Join(tmp, fmt.Sprintf("%s-%03d", a.Name, i))}
			r.err = m.Apply(filepath.Join(o.Solutions, a.Name), r.src)
			rep.Rows = append(rep.Rows, r)
		}
		if r := cRow(ctx, a, filepath.Join(o.Solutions, a.Name, cDir), filepath.Join(tmp, "c")); r != nil {
			rep.Rows = append(rep.Rows, r)
		}
	}

	// The references first: a mutant's scenarios that start only programs
	// it left as they are take the reference's results (see spared).
	refs := make(map[string]*Row)
	var first, then []*Row
	for _, r := range rep.Rows {
		switch {
		case r.err != nil || r.skip != "":
		case r.Kind == Reference:
			refs[r.Assignment] = r
			first = append(first, r)
		default:
			then = append(then, r)
		}
	}
	jobs := max(1, o.Jobs)
	grade := func(rows []*Row) {
		slots := make(chan struct{}, jobs)
		var wg sync.WaitGroup
		for _, r := range rows {
			wg.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				r.grade(ctx, o, byAssignment[r.Assignment], refs[r.Assignment])
			})
		}
		wg.Wait()
	}
	grade(first)
	grade(then)
	for _, r := range rep.Rows {
		r.judge(byAssignment[r.Assignment])
	}
	// A row that failed on what its programs did is graded once more, alone
	// on the machine. Grading many submissions at once (and beside make
	// test's other tests) can starve a scenario that passes on a quiet
	// machine, the one a student grades on; the check passes such a row and
	// warns of it, with the first grade's failure, and make stress, which
	// grades the reference alone, is the proof that a scenario is not flaky.
	for _, r := range rep.Rows {
		if r.Verdict != Fail || r.Grade == nil || !compiled(r.Grade) {
			continue
		}
		var first strings.Builder
		r.printFailed(&first)
		r.reset()
		r.grade(ctx, o, byAssignment[r.Assignment], refs[r.Assignment])
		r.judge(byAssignment[r.Assignment])
		if r.Verdict == OK {
			rep.Loaded = append(rep.Loaded, Loaded{r.Assignment, r.Name, first.String()})
		}
	}
	rep.Warnings = warnings(assignments, rep.Rows)
	rep.Duration = time.Since(start)
	return rep, nil
}

// grade grades the row's submission, with ref, its assignment's
// reference, graded already (nil for the reference itself). A mutant's
// scenarios that start none of the programs it changed take their results
// from a clean reference.
func (r *Row) grade(ctx context.Context, o CheckOptions, a scenario.Assignment, ref *Row) {
	began := time.Now()
	defer func() { r.Duration = time.Since(began) }()
	opts := runner.Options{Src: r.src, Bin: r.bin, Testdata: o.Testdata, Assignment: r.Assignment}
	run, spare := []scenario.Scenario(nil), false
	if r.Kind == Mutant && ref != nil && clean(ref) {
		run, spare = spared(a, r.src, o.Solutions)
	}
	if spare && len(run) > 0 {
		sub := a
		sub.Scenarios = run
		opts.Assignments = []scenario.Assignment{sub}
	}
	g, err := runner.Run(ctx, opts)
	if err != nil {
		g.Broken = err.Error() // grading could not start
	}
	if opts.Assignments != nil && err == nil {
		r.Spared = withReference(g, a, ref.Grade)
	}
	r.Grade = g
}

// reset forgets the row's grade and verdict, to grade it again.
func (r *Row) reset() {
	r.Failed, r.Passed, r.Skipped, r.Unexpected = nil, nil, nil, nil
	r.Earned, r.Possible, r.Spared = 0, 0, 0
	r.Verdict, r.Why, r.Grade = "", "", nil
}

// judge gives the row its verdict.
func (r *Row) judge(a scenario.Assignment) {
	verdict := func(v Verdict, why string, args ...any) {
		r.Verdict, r.Why = v, fmt.Sprintf(why, args...)
	}
	switch {
	case r.err != nil:
		verdict(Fail, "%v", r.err)
		return
	case r.skip != "":
		verdict(Skip, "%s", r.skip)
		return
	}
	g := r.Grade
	r.Earned, r.Possible = g.Score()
	for _, res := range g.Results {
		switch res.Status {
		case runner.Failed:
			r.Failed = append(r.Failed, res.Scenario.Name)
		case runner.Passed:
			r.Passed = append(r.Passed, res.Scenario.Name)
		case runner.Skipped:
			r.Skipped = append(r.Skipped, res.Scenario.Name)
		}
	}
	if g.Errored() {
		why := g.Broken
		for _, res := range g.Results {
			if res.Status == runner.Errored && why == "" {
				why = res.Scenario.Name + ": " + res.Reason
			}
		}
		verdict(Error, "the grader broke: %s", why)
		return
	}
	switch r.Kind {
	case Reference:
		if len(r.Failed) > 0 {
			verdict(Fail, "the reference fails %s", strings.Join(r.Failed, ", "))
			r.Unexpected = r.Failed
			return
		}
	case Skeleton:
		if len(r.Passed) > 0 {
			verdict(Fail, "the skeleton passes %s", strings.Join(r.Passed, ", "))
			return
		}
	case Mutant, C:
		if !compiled(g) {
			for _, b := range g.Builds {
				if b.Err != nil {
					verdict(Fail, "the %s does not compile: %v\n%s", r.Kind, b.Err, b.Output)
				}
			}
			return
		}
		v, why, collateral := precise(r.Expect, a, r.Failed, r.Skipped)
		if v != OK {
			verdict(v, "%s", why)
			r.Unexpected = collateral
			return
		}
	}
	r.Verdict = OK
}

// precise judges what a variant failed against what it expects (see
// mutant.Expect): every entry of caught-by failed, in one of its scenarios
// at least, and nothing failed that neither caught-by nor may-fail names.
// It returns Skip when every scenario caught-by names was skipped, and
// the scenarios that failed which neither names (collateral).
func precise(e mutant.Expect, a scenario.Assignment, failed, skipped []string) (v Verdict, why string, collateral []string) {
	allowed := make(map[string]bool)
	for _, entry := range e.Entries() {
		names := a.Named(entry)
		if len(names) == 0 {
			return Fail, fmt.Sprintf("caught-by %s: %s has no scenario or family of that name", entry, a.Name), nil
		}
		for _, n := range names {
			allowed[n] = true
		}
	}
	var passes, unknown []string
	for _, entry := range e.CaughtBy {
		names := a.Named(entry)
		switch {
		case slices.ContainsFunc(names, func(n string) bool { return slices.Contains(failed, n) }):
		case !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(skipped, n) }):
			unknown = append(unknown, entry)
		default:
			passes = append(passes, entry)
		}
	}
	for _, n := range failed {
		if !allowed[n] {
			collateral = append(collateral, n)
		}
	}
	var reasons []string
	switch {
	case e.None && len(failed) > 0:
		return Fail, fmt.Sprintf("fails %s, and caught-by: none says the scenarios tolerate it", strings.Join(failed, ", ")), failed
	case e.None:
		return OK, "", nil
	case len(failed) == 0:
		if len(unknown) == len(e.CaughtBy) {
			return Skip, fmt.Sprintf("%s cannot run here (skipped)", strings.Join(unknown, ", ")), nil
		}
		return Fail, fmt.Sprintf("not caught: no scenario fails (expected %s)", strings.Join(e.CaughtBy, ", ")), nil
	}
	if len(passes) > 0 {
		reasons = append(reasons, fmt.Sprintf("passes %s, which its caught-by names", strings.Join(passes, ", ")))
	}
	if len(collateral) > 0 {
		reasons = append(reasons, fmt.Sprintf("also fails %s, which its caught-by does not name", strings.Join(collateral, ", ")))
	}
	if len(reasons) > 0 {
		return Fail, strings.Join(reasons, "; "), collateral
	}
	return OK, "", nil
}

// warnings returns the scenarios no mutant fails, and those the skeleton
// passes.
func warnings(assignments []scenario.Assignment, rows []*Row) []string {
	var warnings []string
	for _, a := range assignments {
		failed := make(map[string]bool)
		skeleton := make(map[string]bool)
		for _, r := range rows {
			if r.Assignment != a.Name || r.Grade == nil || !compiled(r.Grade) {
				continue // a program that does not compile fails its scenarios for nothing
			}
			for _, n := range r.Failed {
				failed[n] = failed[n] || r.Kind == Mutant
			}
			for _, n := range r.Passed {
				skeleton[n] = skeleton[n] || r.Kind == Skeleton
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
