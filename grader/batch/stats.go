//go:build unix

package batch

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// ScenarioStats is how the class did on one scenario: the students who
// handed the assignment in (a student with no submission is in no pass
// rate).
type ScenarioStats struct {
	Scenario scenario.Scenario
	Passed   int
	Failed   int // NotRun among them
	NotRun   int // failed without running: a program it starts is missing or does not build
	Skipped  int // could not run on this machine: not in the pass rate
	Errored  int // the grader broke: not in the pass rate
	// Common is the reason most of the failures that ran share (ports
	// leased to each student aside), if two or more share one; Shared
	// is how many share it.
	Common string
	Shared int
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

// A Failure is a scenario a student failed, and why.
type Failure struct {
	Scenario string // the scenario's name
	Reason   string // why, in one line: the reason of its row in make grade's table
	NotRun   bool   // it failed without running: a program it starts is missing or does not build
}

// A StudentScore is one student's grade in one assignment.
type StudentScore struct {
	Student string
	// Earned and Possible are the assignment's score as make grade gives
	// it: scaled to the assignment's total when it sets one.
	Earned   int
	Possible int
	Failures []Failure      // the scenarios failed, in file order
	Errored  []string       // the scenarios the grader broke in
	NotBuilt []runner.Build // the programs handed in that do not compile, with the compiler's message
	Missing  []string       // the programs not handed in: no folder, or no Go file in it
	// NoSubmission says none of the assignment's programs was handed in:
	// no assignment folder, or nothing in it.
	NoSubmission bool
	Err          string // why this student could not be graded (then nothing above counts)
}

// Percent is the score as a whole percentage, "–" when nothing counted.
func (s StudentScore) Percent() string {
	if s.Err != "" || s.Possible == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(s.Earned)/float64(s.Possible))
}

// Status says in a few words what became of the student's work:
// "not graded", "no submission", "does not build: server", "no
// submission: client" (one program missing), "grader error", or else
// "failed" (some scenario) or "passed" (every one that ran).
func (s StudentScore) Status() string {
	switch {
	case s.Err != "":
		return "not graded"
	case s.NoSubmission:
		return "no submission"
	}
	var parts []string
	if len(s.NotBuilt) > 0 {
		var progs []string
		for _, b := range s.NotBuilt {
			progs = append(progs, b.Program)
		}
		parts = append(parts, "does not build: "+strings.Join(progs, ", "))
	}
	if len(s.Missing) > 0 {
		parts = append(parts, "no submission: "+strings.Join(s.Missing, ", "))
	}
	if len(s.Errored) > 0 {
		parts = append(parts, "grader error")
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, "; ")
	case len(s.Failures) > 0:
		return "failed"
	}
	return "passed"
}

// A FailureLine is failures said once: one scenario that ran and failed,
// or the scenarios that did not run for one reason (a program missing or
// not compiling stops every scenario that starts it).
type FailureLine struct {
	Scenarios []string
	Reason    string
}

// FailureLines are the student's failures to show, each reason in one
// line, made safe to show (report.Clean) and cut to reasonCap runes;
// none for a student with no submission, whose status says it all.
func (s StudentScore) FailureLines() []FailureLine {
	if s.NoSubmission || s.Err != "" {
		return nil
	}
	var lines []FailureLine
	notRun := make(map[string]int) // reason -> its line
	for _, f := range s.Failures {
		reason := OneLine(f.Reason)
		if i, ok := notRun[reason]; ok && f.NotRun {
			lines[i].Scenarios = append(lines[i].Scenarios, f.Scenario)
			continue
		}
		if f.NotRun {
			notRun[reason] = len(lines)
		}
		lines = append(lines, FailureLine{Scenarios: []string{f.Scenario}, Reason: reason})
	}
	return lines
}

// String is the line as the CSV and the summary show it:
// "a, b: reason".
func (l FailureLine) String() string {
	return strings.Join(l.Scenarios, ", ") + ": " + l.Reason
}

// reasonCap is how many runes of a reason the batch's outputs show: the
// student's report.txt has it whole, and more.
const reasonCap = 200

// OneLine makes text safe to show in one line (report.Clean, its first
// line only, tabs as spaces) and cuts it to reasonCap runes.
func OneLine(s string) string {
	s, _, cut := strings.Cut(report.Clean(s), "\n")
	s = strings.ReplaceAll(s, "\t", " ")
	if r := []rune(s); len(r) > reasonCap {
		return string(r[:reasonCap-1]) + "…"
	} else if cut {
		return s + " …"
	}
	return s
}

// firstError is why a program does not build, in one line: the first
// line of the compiler's message that is not a package heading ("# dir"),
// or the build's error when the compiler said nothing (a folder whose Go
// files are not package main, say).
func firstError(b runner.Build) string {
	for line := range strings.Lines(b.Output) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return OneLine(line)
		}
	}
	if b.Err != nil {
		return OneLine(b.Err.Error())
	}
	return ""
}

// compilerMessage is what the compiler said of a program that does not
// build, or the build's error when it said nothing.
func compilerMessage(b runner.Build) string {
	if strings.TrimSpace(b.Output) == "" && b.Err != nil {
		return b.Err.Error()
	}
	return b.Output
}

// AssignmentStats is how the class did on one assignment.
type AssignmentStats struct {
	Name      string
	Scenarios []ScenarioStats // hardest first
	Students  []StudentScore  // by student
	// Graded is how many students were graded and handed the assignment
	// in: the figures below are theirs.
	Graded       int
	NoSubmission int // students graded who handed nothing of it in
	Earned       int // points earned, all graded students together
	Possible     int // points possible, all graded students together
	Full         int // graded students who earned every point possible
}

// Mean is the mean score of the graded students.
func (a AssignmentStats) Mean() float64 {
	if a.Graded == 0 {
		return 0
	}
	return float64(a.Earned) / float64(a.Graded)
}

// MeanMax is the mean of the points possible (each scenario's points,
// less those skipped on this machine, or the assignment's total).
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
// graded (Entry.Err) counts in none of the figures, nor does a student's
// assignment with no submission (it is counted apart).
func (b *Batch) Stats() []AssignmentStats {
	var all []AssignmentStats
	for _, a := range b.Assignments {
		st := AssignmentStats{Name: a.Name}
		index := make(map[string]int)
		reasons := make([]map[string]int, len(a.Scenarios)) // common reason -> failures that ran with it
		for i, sc := range a.Scenarios {
			index[sc.Name] = i
			st.Scenarios = append(st.Scenarios, ScenarioStats{Scenario: sc})
			reasons[i] = make(map[string]int)
		}
		for _, e := range b.Entries {
			s := score(e, a)
			st.Students = append(st.Students, s)
			switch {
			case s.Err != "":
				continue
			case s.NoSubmission:
				st.NoSubmission++
				continue
			}
			st.Graded++
			st.Earned += s.Earned
			st.Possible += s.Possible
			if s.Earned == s.Possible {
				st.Full++
			}
			for _, r := range e.Grade.Results {
				i, ok := index[r.Scenario.Name]
				if r.Scenario.Assignment != a.Name || !ok {
					continue
				}
				count(&st.Scenarios[i], r)
				if r.Status == runner.Failed && !r.NotRun() {
					reason := common(r.Reason)
					reasons[i][reason]++
					if n := reasons[i][reason]; n > st.Scenarios[i].Shared {
						st.Scenarios[i].Common, st.Scenarios[i].Shared = reason, n
					}
				}
			}
		}
		for i := range st.Scenarios {
			if st.Scenarios[i].Shared < 2 {
				st.Scenarios[i].Common, st.Scenarios[i].Shared = "", 0
			}
		}
		slices.SortStableFunc(st.Scenarios, harder)
		all = append(all, st)
	}
	return all
}

// score is one student's grade in one assignment.
func score(e Entry, a scenario.Assignment) StudentScore {
	s := StudentScore{Student: e.Student, Err: e.Err}
	if e.Err != "" || e.Grade == nil {
		if s.Err == "" {
			s.Err = "not graded"
		}
		return s
	}
	s.Earned, s.Possible = e.Grade.AssignmentScore(a.Name)
	for _, r := range e.Grade.Results {
		if r.Scenario.Assignment != a.Name {
			continue
		}
		switch r.Status {
		case runner.Failed:
			s.Failures = append(s.Failures, Failure{Scenario: r.Scenario.Name, Reason: r.Reason, NotRun: r.NotRun()})
		case runner.Errored:
			s.Errored = append(s.Errored, r.Scenario.Name)
		}
	}
	for _, prog := range a.Programs() {
		if slices.Contains(e.Missing, a.Name+"/"+prog) {
			s.Missing = append(s.Missing, prog)
		}
	}
	s.NoSubmission = len(s.Missing) > 0 && len(s.Missing) == len(a.Programs())
	for _, bd := range e.Grade.Builds {
		if bd.Err != nil && isIn(bd, a.Name) && !slices.Contains(s.Missing, bd.Program) {
			s.NotBuilt = append(s.NotBuilt, bd)
		}
	}
	return s
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
			s.NotRun++
		}
	case runner.Skipped:
		s.Skipped++
	default:
		s.Errored++
	}
}

// leasedPort is a port the grader leases to a scenario (20000-32767) where
// a reason names an address: a student's reason and another's differ by it
// alone.
var leasedPort = regexp.MustCompile(`:(\d{5})\b`)

// common is a reason as students share it: in one line, the ports leased
// to each student written $PORT.
func common(reason string) string {
	return OneLine(leasedPort.ReplaceAllStringFunc(reason, func(m string) string {
		if n, err := strconv.Atoi(m[1:]); err == nil && n >= 20000 && n <= 32767 {
			return ":$PORT"
		}
		return m
	}))
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
