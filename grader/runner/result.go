package runner

import (
	"slices"
	"strings"
	"sync"
	"time"

	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// Status is the outcome of one scenario.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped" // could not run on this machine: counts neither way
	Errored Status = "error"   // the grader broke: the result says nothing of the submission, and earns nothing
)

// A Result is what one scenario gave.
type Result struct {
	Scenario scenario.Scenario
	Status   Status
	Earned   int
	Duration time.Duration
	// Reason says in one line why the scenario did not pass.
	Reason string
	// Line is the line of the scenario file where it failed, if known.
	Line int
	// Feedback says, for a scenario that did not pass, what was expected
	// and what came; for a skipped one, why it could not run.
	Feedback string
}

// notRun starts the Reason of a scenario that was not run.
const notRun = "not run: "

// NotRun reports whether the scenario was not run at all: a program it
// needs did not build, or grading was interrupted first.
func (r Result) NotRun() bool { return strings.HasPrefix(r.Reason, notRun) }

// Possible is how many points the scenario counts for: none when it was
// skipped. A scenario the grader could not run counts, and earns nothing:
// a broken grader must not raise a score (and such a grade exits 2).
func (r Result) Possible() int {
	if r.Status == Skipped {
		return 0
	}
	return r.Scenario.Points
}

// A Grade is the outcome of grading a submission.
type Grade struct {
	Src      string // the submission graded
	Results  []Result
	Builds   []Build // one per program, in assignment order
	Started  time.Time
	Duration time.Duration
	// Broken says why grading could not run to the end, if it could not;
	// the results it has are still valid.
	Broken string
	// Seal says whether the scenarios and the grader are as the course
	// sealed them.
	Seal seal.Status
	// BuildTime is how long the builds took, from the start until the last
	// assignment's programs were ready (their scenarios start meanwhile).
	BuildTime time.Duration
	// Totals are the points the assignments that set one scale to.
	Totals map[string]int
	// Isolation is how far student programs were isolated (the level of
	// package sandbox).
	Isolation string

	mu        sync.Mutex
	buildDone []time.Time // when each assignment's programs were ready
}

// builtAt records when assignment i's programs were ready.
func (g *Grade) builtAt(i int, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buildDone[i] = t
}

// Score returns the points earned and the points possible, over every
// assignment (see AssignmentScore).
func (g *Grade) Score() (earned, possible int) {
	for _, a := range g.Assignments() {
		e, p := g.AssignmentScore(a)
		earned += e
		possible += p
	}
	return earned, possible
}

// Assignments returns the names of the assignments graded, in order.
func (g *Grade) Assignments() []string {
	var names []string
	for _, r := range g.Results {
		if !slices.Contains(names, r.Scenario.Assignment) {
			names = append(names, r.Scenario.Assignment)
		}
	}
	return names
}

// AssignmentScore returns the points an assignment earned and could earn:
// the sum of its scenarios', or, if it sets a total, those scaled to it
// (rounded to the nearest point).
func (g *Grade) AssignmentScore(assignment string) (earned, possible int) {
	earned, possible = g.RawScore(assignment)
	total := g.Totals[assignment]
	if total == 0 || possible == 0 {
		return earned, possible
	}
	return (earned*total + possible/2) / possible, total
}

// RawScore returns the points an assignment's scenarios earned, and their
// sum, before any scaling.
func (g *Grade) RawScore(assignment string) (earned, possible int) {
	for _, r := range g.Results {
		if r.Scenario.Assignment == assignment {
			earned += r.Earned
			possible += r.Possible()
		}
	}
	return earned, possible
}

// AllPassed reports whether every scenario that ran passed.
func (g *Grade) AllPassed() bool {
	for _, r := range g.Results {
		if r.Status != Passed && r.Status != Skipped {
			return false
		}
	}
	return true
}

// Errored reports whether the grader broke somewhere.
func (g *Grade) Errored() bool {
	if g.Broken != "" {
		return true
	}
	for _, r := range g.Results {
		if r.Status == Errored {
			return true
		}
	}
	return false
}
