//go:build unix

package proof

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"

	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// Sparing runs. A scenario's outcome depends on the programs it starts
// (a student program runs only through `start`) and on nothing else of
// the submission: a mutant that changes the server leaves every scenario
// that starts only the client as the reference has it. Check runs a
// mutant's scenarios that start a program it changed, and takes the
// others' results from the reference, graded first. It does so only when
// the reference passed every scenario (its check is OK), so that a taken
// result is a pass, or a skip where the machine cannot run the scenario;
// the stress test proves a reference's result is the same from run to run.

// spared returns the assignment's scenarios to run for a variant whose
// sources are in src (shaped like assignments/), against the reference
// in solutions: those that start a program whose sources differ. ok is
// false when the variant changed every program, or the reference is not
// there to compare with: run them all.
func spared(a scenario.Assignment, src, solutions string) (run []scenario.Scenario, ok bool) {
	var changed []string
	for _, prog := range a.Programs() {
		same, err := sameDir(filepath.Join(src, a.Name, prog), filepath.Join(solutions, a.Name, prog))
		if err != nil {
			return nil, false
		}
		if !same {
			changed = append(changed, prog)
		}
	}
	if len(changed) == len(a.Programs()) {
		return nil, false
	}
	for _, sc := range a.Scenarios {
		if slices.ContainsFunc(sc.Programs, func(p string) bool { return slices.Contains(changed, p) }) {
			run = append(run, sc)
		}
	}
	return run, true
}

// sameDir reports whether two directories hold the same files (by name)
// with the same contents: what a build of either reads.
func sameDir(a, b string) (bool, error) {
	ea, err := os.ReadDir(a)
	if err != nil {
		return false, err
	}
	eb, err := os.ReadDir(b)
	if err != nil {
		return false, err
	}
	if len(ea) != len(eb) {
		return false, nil
	}
	for i := range ea {
		if ea[i].Name() != eb[i].Name() || !ea[i].Type().IsRegular() || !eb[i].Type().IsRegular() {
			return false, nil
		}
		da, err := os.ReadFile(filepath.Join(a, ea[i].Name()))
		if err != nil {
			return false, err
		}
		db, err := os.ReadFile(filepath.Join(b, eb[i].Name()))
		if err != nil {
			return false, err
		}
		if !bytes.Equal(da, db) {
			return false, nil
		}
	}
	return true, nil
}

// withReference completes g, the grade of some of the assignment's
// scenarios, with the reference's results of the others, in the
// scenarios' order, and returns how many it took.
func withReference(g *runner.Grade, a scenario.Assignment, ref *runner.Grade) int {
	ran := make(map[string]runner.Result)
	for _, r := range g.Results {
		ran[r.Scenario.Name] = r
	}
	refs := make(map[string]runner.Result)
	for _, r := range ref.Results {
		if r.Scenario.Assignment == a.Name {
			refs[r.Scenario.Name] = r
		}
	}
	taken := 0
	results := make([]runner.Result, 0, len(a.Scenarios))
	for _, sc := range a.Scenarios {
		if r, ok := ran[sc.Name]; ok {
			results = append(results, r)
		} else if r, ok := refs[sc.Name]; ok {
			results = append(results, r)
			taken++
		}
	}
	g.Results = results
	return taken
}

// clean reports whether a reference's grade can stand in for a variant's
// scenarios: it was graded to the end, and failed none.
func clean(ref *Row) bool {
	g := ref.Grade
	return g != nil && g.Broken == "" && !g.Errored() && !slices.ContainsFunc(g.Results, func(r runner.Result) bool {
		return r.Status != runner.Passed && r.Status != runner.Skipped
	})
}
