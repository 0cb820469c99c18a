//go:build unix

package batch

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// ScenarioStats is how the class did on one scenario.
type ScenarioStats struct {
	Scenario scenario.Scenario
	Passed   int
	Failed   int // NotBuilt among them
	NotBuilt int // failed without running: a program it starts did not build
	Skipped  int // could not run on this machine: not in the pass rate
	Errored  int // the grader broke: not in the pass rate
}

// Total is how many students the scenario counted for: those who passed
// it and those who failed it.
func (s ScenarioStats) Total() int { return s.Passed + s.Failed }

// Rate is the pass rate, Passed/Total, or -1 when the scenario counted for
// nobody.
func (s ScenarioStats) Rate() float64 {
	if s.Total() == 0 {
		return -1
	}
	return float64(s.Passed) / float64(s.Total())
}

// Percent is the pass rate as a whole percentage, "–" when there is none.
func (s ScenarioStats) Percent() string {
	if s.Total() == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*s.Rate())
}

// harder orders scenarios hardest first: the lowest pass rate first, those
// that counted for nobody last, ties in their given order (stable sort).
func harder(a, b ScenarioStats) int {
	ra, rb := a.Rate(), b.Rate()
	switch {
	case ra < 0 && rb < 0:
		return 0
	case ra < 0:
		return 1
	case rb < 0:
		return -1
	}
	return cmp.Compare(ra, rb)
}

// A StudentScore is one student's grade in one assignment.
type StudentScore struct {
	Student  string
	Earned   int
	Possible int
	Failed   []string // the scenarios failed, in file order
	NotBuilt []string // the programs that did not build
	Err      string   // why this student could not be graded (then nothing above counts)
}

// Percent is the score as a whole percentage, "–" when nothing counted.
func (s StudentScore) Percent() string {
	if s.Err != "" || s.Possible == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(s.Earned)/float64(s.Possible))
}

// AssignmentStats is how the class did on one assignment.
type AssignmentStats struct {
	Name      string
	Scenarios []ScenarioStats // hardest first
	Students  []StudentScore  // by student
	Graded    int             // students graded (those with Err are not)
	Earned    int             // points earned, all graded students together
	Possible  int             // points possible, all graded students together
	Full      int             // graded students who earned every point possible
}

// Mean is the mean score of the graded students.
func (a AssignmentStats) Mean() float64 {
	if a.Graded == 0 {
		return 0
	}
	return float64(a.Earned) / float64(a.Graded)
}

// MeanMax is the mean of the points possible (each scenario's points,
// less those skipped on this machine).
func (a AssignmentStats) MeanMax() float64 {
	if a.Graded == 0 {
		return 0
	}
	return float64(a.Possible) / float64(a.Graded)
}

// MeanPercent is the mean score as a whole percentage of the possible.
func (a AssignmentStats) MeanPercent() string {
	if a.Possible == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a.Earned)/float64(a.Possible))
}

// Stats returns, for each assignment graded, how every scenario went for
// the class and every student's score. A submission that could not be
// graded (Entry.Err) counts in none of the figures.
func (b *Batch) Stats() []AssignmentStats {
	var all []AssignmentStats
	for _, a := range b.Assignments {
		st := AssignmentStats{Name: a.Name}
		index := make(map[string]int)
		for i, sc := range a.Scenarios {
			index[sc.Name] = i
			st.Scenarios = append(st.Scenarios, ScenarioStats{Scenario: sc})
		}
		for _, e := range b.Entries {
			s := StudentScore{Student: e.Student, Err: e.Err}
			if e.Err == "" && e.Grade != nil {
				st.Graded++
				for _, r := range e.Grade.Results {
					i, ok := index[r.Scenario.Name]
					if r.Scenario.Assignment != a.Name || !ok {
						continue
					}
					count(&st.Scenarios[i], r)
					s.Earned += r.Earned
					s.Possible += r.Possible()
					if r.Status == runner.Failed {
						s.Failed = append(s.Failed, r.Scenario.Name)
					}
				}
				for _, bd := range e.Grade.Builds {
					if bd.Err != nil && isIn(bd, a.Name) {
						s.NotBuilt = append(s.NotBuilt, bd.Program)
					}
				}
				st.Earned += s.Earned
				st.Possible += s.Possible
				if s.Earned == s.Possible {
					st.Full++
				}
			}
			st.Students = append(st.Students, s)
		}
		slices.SortStableFunc(st.Scenarios, harder)
		all = append(all, st)
	}
	return all
}

// isIn reports whether the build is of a program of the assignment: runner
// lists builds in assignment order, each under <src>/<assignment>/<program>
// (or <bin>/<assignment>/<program>).
func isIn(b runner.Build, assignment string) bool {
	return b.Dir != "" && filepath.Base(filepath.Dir(b.Dir)) == assignment
}

// count adds one student's result to the scenario's figures.
func count(s *ScenarioStats, r runner.Result) {
	switch r.Status {
	case runner.Passed:
		s.Passed++
	case runner.Failed:
		s.Failed++
		if r.NotRun() {
			s.NotBuilt++
		}
	case runner.Skipped:
		s.Skipped++
	default:
		s.Errored++
	}
}

// Hardest returns the n scenarios with the lowest pass rates, across
// assignments, among those that counted for someone.
func Hardest(stats []AssignmentStats, n int) []ScenarioStats {
	var all []ScenarioStats
	for _, a := range stats {
		for _, s := range a.Scenarios {
			if s.Total() > 0 {
				all = append(all, s)
			}
		}
	}
	slices.SortStableFunc(all, harder)
	return all[:min(n, len(all))]
}
