//go:build unix

package proof

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"socklab/grader/mutant"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// StressOptions says what Stress grades, and how often.
type StressOptions struct {
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

// A Diff is a reference run whose result for a scenario differs from the
// first run's.
type Diff struct {
	Assignment, Scenario string
	Run                  int // from 1; the first run is 1
	Want, Got            runner.Status
	Reason, Feedback     string
}

// A MutantRuns is what a mutant's runs gave.
type MutantRuns struct {
	Assignment, Name string
	None             bool           // caught-by: none: its runs must fail nothing
	Scenarios        []string       // the scenarios it ran: those its caught-by names
	Runs             int            // n, or 0 when it could not run
	Caught           int            // runs that went as its header says
	Skipped          int            // runs in which every catching scenario was skipped
	Errors           int            // scenario results where the grader broke
	FirstError       string         // the first of them: its scenario and why
	FailedBy         map[string]int // how many runs each scenario failed
	Err              error          // why it could not run
	Duration         time.Duration
}

// A StressReport is what Stress found.
type StressReport struct {
	N         int // the runs asked for, of the reference and of each mutant
	Runs      int // reference runs
	Scenarios int // scenarios in each
	Diffs     []Diff
	Broken    []string // reference runs in which the grader broke
	Failing   []string // scenarios the reference fails in the first run
	Mutants   []MutantRuns
	RefTime   time.Duration
	Duration  time.Duration
}

// Verdict is the stress's: Error if the grader broke, Fail if a result
// differed or a mutant run was not caught, OK otherwise.
func (s *StressReport) Verdict() Verdict {
	v := OK
	if len(s.Diffs) > 0 {
		v = Fail
	}
	if len(s.Broken) > 0 {
		return Error
	}
	for _, m := range s.Mutants {
		switch {
		case m.Errors > 0:
			return Error
		case m.Err != nil || m.Caught+m.Skipped < m.Runs || len(m.Flaky()) > 0:
			v = Fail
		}
	}
	return v
}

// Flaky returns the scenarios that failed in some of the mutant's runs,
// but not in all: a scenario must decide the same way every time.
func (m MutantRuns) Flaky() []string {
	var flaky []string
	for _, s := range m.Scenarios {
		if f := m.FailedBy[s]; f > 0 && f < m.Runs-m.Skipped {
			flaky = append(flaky, s)
		}
	}
	return flaky
}

// Stress grades the reference o.N times, comparing every run with the
// first, then runs each mutant's catching scenarios o.N times. It returns
// an error only when it cannot start.
func Stress(ctx context.Context, o StressOptions) (*StressReport, error) {
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
	rep := &StressReport{N: o.N}
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
			d := Diff{Assignment: r.Scenario.Assignment, Scenario: r.Scenario.Name, Run: run,
				Want: want.Status, Got: r.Status, Reason: r.Reason, Feedback: r.Feedback}
			if r.Status == runner.Passed { // the failure to show is the first run's
				d.Reason, d.Feedback = want.Reason, want.Feedback
			}
			rep.Diffs = append(rep.Diffs, d)
		}
		progress("reference: run %d/%d, %d differing results", run, o.N, len(rep.Diffs))
	}
	slices.SortStableFunc(rep.Diffs, func(a, b Diff) int {
		if a.Run != b.Run {
			return a.Run - b.Run
		}
		return strings.Compare(a.Assignment+"/"+a.Scenario, b.Assignment+"/"+b.Scenario)
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
			rep.Mutants = append(rep.Mutants, MutantRuns{Assignment: a.Name, Name: "(mutants)", Err: err})
			continue
		}
		for i, m := range ms {
			if o.Mutant != "" && m.Name != o.Mutant || ctx.Err() != nil {
				continue
			}
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%03d", a.Name, i))
			mr := stressMutant(ctx, a, m, filepath.Join(o.Solutions, a.Name), dir, o)
			rep.Mutants = append(rep.Mutants, mr)
			progress("mutant %s/%s: caught in %d of %d runs", a.Name, m.Name, mr.Caught, mr.Runs)
		}
	}
	if o.Mutant != "" && len(rep.Mutants) == 0 {
		return nil, fmt.Errorf("no mutant %q", o.Mutant)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// stressMutant applies the mutant in dir and runs the scenarios its
// caught-by names o.N times: one grade of o.N copies of each,
// "<scenario>.<run>.txtar", o.Jobs at once. A run catches it when it fails
// every entry of caught-by. A mutant with caught-by: none runs every
// scenario, and a run counts when it fails none.
func stressMutant(ctx context.Context, a scenario.Assignment, m mutant.Mutant, solution, dir string, o StressOptions) (mr MutantRuns) {
	start := time.Now()
	mr = MutantRuns{Assignment: a.Name, Name: m.Name, None: m.None, FailedBy: make(map[string]int)}
	defer func() { mr.Duration = time.Since(start) }()
	src, testdata := filepath.Join(dir, "src"), filepath.Join(dir, "testdata")
	if mr.Err = m.Apply(solution, src); mr.Err != nil {
		return mr
	}
	entries := make(map[string][]string) // caught-by entry -> its scenarios
	for _, e := range m.CaughtBy {
		if entries[e] = a.Named(e); len(entries[e]) == 0 {
			mr.Err = fmt.Errorf("caught-by %s: %s has no scenario or family of that name", e, a.Name)
			return mr
		}
	}
	for _, sc := range a.Scenarios {
		if !m.None && !slices.ContainsFunc(m.CaughtBy, func(e string) bool { return slices.Contains(entries[e], sc.Name) }) {
			continue
		}
		mr.Scenarios = append(mr.Scenarios, sc.Name)
		data, err := os.ReadFile(sc.Path)
		if err == nil {
			err = os.MkdirAll(filepath.Join(testdata, a.Name), 0o755)
		}
		for run := 1; run <= o.N && err == nil; run++ {
			err = os.WriteFile(filepath.Join(testdata, a.Name, fmt.Sprintf("%s.%d.txtar", sc.Name, run)), data, 0o644)
		}
		if err != nil {
			mr.Err = err
			return mr
		}
	}
	jobs := o.Jobs
	if m.None {
		// A tolerated mutant must pass as the reference does, at the
		// reference's pace: hundreds of scenarios at once on a few CPUs
		// would hold timers (a client's 500 ms between sends) late.
		jobs = runner.DefaultJobs()
	}
	g, err := runner.Run(ctx, runner.Options{Src: src, Testdata: testdata, Assignment: a.Name, Jobs: jobs})
	if err != nil {
		mr.Err = err
		return mr
	}
	for _, b := range g.Builds {
		if b.Err != nil {
			mr.Err = fmt.Errorf("the mutant does not compile: %v\n%s", b.Err, b.Output)
			return mr
		}
	}
	type outcome struct {
		failed map[string]bool // the scenarios that failed
		ran    bool
	}
	runs := make(map[string]*outcome)
	for _, r := range g.Results {
		name, run, _ := strings.Cut(r.Scenario.Name, ".")
		out := runs[run]
		if out == nil {
			out = &outcome{failed: make(map[string]bool)}
			runs[run] = out
		}
		switch r.Status {
		case runner.Failed:
			out.failed[name], out.ran = true, true
			mr.FailedBy[name]++
		case runner.Passed:
			out.ran = true
		case runner.Errored:
			out.ran = true
			if mr.Errors++; mr.FirstError == "" {
				mr.FirstError = r.Scenario.Name + ": " + r.Reason
			}
		}
	}
	mr.Runs = o.N
	if ctx.Err() != nil {
		mr.Err = ctx.Err()
	}
	for _, out := range runs {
		caught := !m.None || len(out.failed) == 0
		for _, e := range m.CaughtBy {
			caught = caught && slices.ContainsFunc(entries[e], func(n string) bool { return out.failed[n] })
		}
		switch {
		case !out.ran:
			mr.Skipped++
		case caught:
			mr.Caught++
		}
	}
	return mr
}
