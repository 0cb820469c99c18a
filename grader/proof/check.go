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
)

// A Kind is what a checked submission is.
type Kind string

// The kinds of checked submissions.
const (
	Reference Kind = "reference"
	Skeleton  Kind = "skeleton"
	Mutant    Kind = "mutant"
)

// CheckOptions says what Check grades.
type CheckOptions struct {
	Testdata, Solutions, Skeletons string
	Assignment                     string
	Jobs                           int // submissions graded at once
}

// A Row is one graded submission of an assignment: its reference, its
// skeleton or one of its mutants.
type Row struct {
	Assignment string
	Kind       Kind
	Name       string // the mutant's name, or the kind
	Mutant     mutant.Mutant
	Failed     []string // the scenarios it fails
	Passed     []string // the scenarios it passes
	Earned     int
	Possible   int
	Verdict    Verdict
	Why        string // for a verdict other than OK: why
	Grade      *runner.Grade

	src string // a directory shaped like assignments/, to grade
	err error  // why it could not be graded
}

// Lost is how many points the submission lost.
func (r *Row) Lost() int { return r.Possible - r.Earned }

// A CheckReport is what Check found.
type CheckReport struct {
	Rows     []*Row
	Warnings []string // scenarios no mutant fails, scenarios the skeleton passes
	Duration time.Duration
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

// Check grades every assignment's reference, skeleton and mutants, and
// gives each its verdict. It returns an error only when it cannot start.
func Check(ctx context.Context, o CheckOptions) (*CheckReport, error) {
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

	rep := &CheckReport{}
	for _, a := range assignments {
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
			r := &Row{Assignment: a.Name, Kind: Mutant, Name: m.Name, Mutant: m,
				src: filepath.Join(tmp, fmt.Sprintf("%s-%03d", a.Name, i))}
			r.err = m.Apply(filepath.Join(o.Solutions, a.Name), r.src)
			if r.err == nil && !slices.ContainsFunc(a.Scenarios, func(sc scenario.Scenario) bool { return m.Catches(sc.Name) }) {
				r.err = noSuchScenario(m, a)
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
	rep.Warnings = warnings(assignments, rep.Rows)
	rep.Duration = time.Since(start)
	return rep, nil
}

// judge gives the row its verdict.
func (r *Row) judge() {
	verdict := func(v Verdict, why string, args ...any) {
		r.Verdict, r.Why = v, fmt.Sprintf(why, args...)
	}
	if r.err != nil {
		verdict(Fail, "%v", r.err)
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
		verdict(Error, "the grader broke: %s", why)
		return
	}
	switch r.Kind {
	case Reference:
		if len(r.Failed) > 0 {
			verdict(Fail, "the reference fails %s", strings.Join(r.Failed, ", "))
			return
		}
	case Skeleton:
		if len(r.Passed) > 0 {
			verdict(Fail, "the skeleton passes %s", strings.Join(r.Passed, ", "))
			return
		}
	case Mutant:
		if !compiled(g) {
			for _, b := range g.Builds {
				if b.Err != nil {
					verdict(Fail, "the mutant does not compile: %v\n%s", b.Err, b.Output)
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
			verdict(Skip, "%s cannot run here (skipped)", strings.Join(expected, ", "))
		case r.Lost() == 0:
			verdict(Fail, "not caught: no scenario fails (expected %s)", strings.Join(expected, ", "))
		default:
			verdict(Fail, "caught, but not by %s", strings.Join(expected, ", "))
		}
		return
	}
	r.Verdict = OK
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
