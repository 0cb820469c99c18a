//go:build unix

// Package proof holds the instructors' proofs that the scenarios grade what
// they should (the grader's check and stress commands).
//
// Check grades, for each assignment, the reference solution (every scenario
// must pass or be skipped), the skeleton (none may pass) and every mutant
// of solutions/<NN-name>/mutants (each must lose points, and one of the
// scenarios its header names must be among those it fails). Its report
// prints as a table, with warnings of scenarios that no mutant fails and
// scenarios the skeleton passes.
//
// Stress grades the reference n times and requires every run to give the
// same result for every scenario as the first; then it runs each mutant's
// catching scenarios n times (n copies of them in one grade, so many at
// once) and requires every run to catch it.
package proof

import (
	"fmt"
	"slices"
	"strings"

	"socklab/grader/mutant"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// A Verdict is what a row of a report, or a whole report, comes to.
type Verdict string

// The verdicts, as the tables print them.
const (
	OK    Verdict = "ok"
	Fail  Verdict = "FAIL"
	Skip  Verdict = "skip"  // a mutant whose catching scenarios cannot run here
	Error Verdict = "ERROR" // the grader broke: the row says nothing
)

// compiled reports whether every program of the grade compiled.
func compiled(g *runner.Grade) bool {
	return !slices.ContainsFunc(g.Builds, func(b runner.Build) bool { return b.Err != nil })
}

// noSuchScenario is the error of a mutant whose header names no scenario
// of its assignment.
func noSuchScenario(m mutant.Mutant, a scenario.Assignment) error {
	return fmt.Errorf("caught-by %s: %s has no such scenario", strings.Join(m.CaughtBy, ", "), a.Name)
}
