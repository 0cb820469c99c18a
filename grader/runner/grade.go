//go:build unix

// Package runner grades a submission: it builds each assignment's
// programs, runs the assignment's scenarios against them in parallel, and
// gathers the results.
package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"socklab/grader/ports"
	"socklab/grader/sandbox"
	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// Options says what to grade and how.
type Options struct {
	Src        string // the submission: a directory of assignments, shaped like assignments/
	Bin        string // or, if set, programs built elsewhere: BIN/<assignment>/<program> executables
	Testdata   string // the scenarios: a directory of assignments, shaped like testdata/
	Assignment string // grade only this assignment, if set
	Jobs       int    // scenarios run at once; <= 0 picks a default
	NoCache    bool   // build every program, even if the build cache has it
	Run        string // grade only the scenarios whose name, or assignment/name, this regular expression matches
	// Assignments, if set, are the scenarios to grade, already read (from
	// Testdata, which still locates the course for the seal): a batch reads
	// them once and hands them to the worker of each submission.
	Assignments []scenario.Assignment
	// Progress, if set, is called after each scenario, from any goroutine,
	// with how many have finished out of how many there are.
	Progress func(done, total int, r Result)
	// Building, if set, is called from any goroutine with the directory
	// of each program the compiler is about to build (the build cache did
	// not have it), and again with done when it is built.
	Building func(dir string, done bool)
}

// DefaultJobs is how many scenarios run at once by default: they spend
// most of their time waiting on sockets, so more than one per CPU.
func DefaultJobs() int { return max(4, 4*runtime.NumCPU()) }

// Run grades the submission in opts.Src. It returns an error only when
// grading cannot start; a Grade that broke half-way says so in Broken and
// keeps the results it has. When ctx ends (Ctrl-C), the scenarios still
// running stop at once and those not started are failed as not run.
func Run(ctx context.Context, opts Options) (*Grade, error) {
	g := &Grade{Src: opts.Src, Started: time.Now()}
	defer func() { g.Duration = time.Since(g.Started) }()

	assignments := opts.Assignments
	var err error
	if assignments == nil {
		if assignments, err = scenario.Discover(opts.Testdata, opts.Assignment); err != nil {
			return g, err
		}
	}
	// The seal covers the scenarios as read, and what else decides the
	// grade as it is on disk now; at the end, whatever changed on disk
	// meanwhile is said too.
	if root, err := filepath.Abs(filepath.Dir(filepath.Clean(opts.Testdata))); err == nil {
		snap, err := seal.Take(root, scenarioData(root, assignments))
		if err != nil {
			g.Seal = seal.Status{Problem: err.Error()}
		} else {
			g.Seal = seal.Compare(root, snap)
			defer func() {
				if g.Seal.During = snap.Since(root); len(g.Seal.During) > 0 {
					g.Seal.Sealed = false
				}
			}()
		}
	}
	if opts.Run != "" {
		if assignments, err = only(assignments, opts.Run); err != nil {
			return g, err
		}
	}
	g.Totals = make(map[string]int)
	for _, a := range assignments {
		if a.Total > 0 {
			g.Totals[a.Name] = a.Total
		}
	}
	g.Isolation = string(sandbox.Current())
	alloc, err := allocator()
	if err != nil {
		return g, err
	}
	bin, err := os.MkdirTemp("", "socklab-bin-")
	if err != nil {
		return g, err
	}
	defer os.RemoveAll(bin)
	cache := &buildCache{}
	if !opts.NoCache {
		cache = openCache(ctx)
		defer cache.prune()
	}

	g.buildDone = make([]time.Time, len(assignments))
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs()
	}
	// One slot per scenario, filled by whichever goroutine runs it, so
	// results keep the scenarios' order.
	var slots [][]Result
	for _, a := range assignments {
		slots = append(slots, make([]Result, len(a.Scenarios)))
	}
	builds := make([][]Build, len(assignments))
	total := 0
	for _, a := range assignments {
		total += len(a.Scenarios)
	}
	var finished atomic.Int32
	scenarioSlots := make(chan struct{}, jobs)
	buildSlots := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, a := range assignments {
		wg.Go(func() {
			var programs map[string]string
			var bs []Build
			if opts.Bin != "" {
				programs, bs = prebuilt(a, opts.Bin)
			} else {
				programs, bs = buildAll(ctx, cache, a, opts.Src, filepath.Join(bin, a.Name), buildSlots, opts.Building)
			}
			g.builtAt(i, time.Now())
			builds[i] = bs
			var swg sync.WaitGroup
			for j, sc := range a.Scenarios {
				swg.Go(func() {
					scenarioSlots <- struct{}{}
					defer func() { <-scenarioSlots }()
					r := runOne(ctx, sc, programs, bs, alloc)
					slots[i][j] = r
					if done := finished.Add(1); opts.Progress != nil {
						opts.Progress(int(done), total, r)
					}
				})
			}
			swg.Wait()
		})
	}
	wg.Wait()

	for i := range assignments {
		g.Builds = append(g.Builds, builds[i]...)
		g.BuildTime = max(g.BuildTime, g.buildDone[i].Sub(g.Started))
		g.Results = append(g.Results, slots[i]...)
	}
	if ctx.Err() != nil {
		g.Broken = "grading was interrupted"
	}
	return g, nil
}

// allocator returns the port allocator of this grader: sandboxed, one of
// its own for the whole process (its network is its own: no other grader
// can take its ports, nor hold the lock of a directory shared with them;
// and one for every grade of the process, so that a port comes round
// again only after all the others, as sockets of an earlier grade may
// linger), or else the one every grader on the machine shares.
func allocator() (*ports.Allocator, error) {
	if sandbox.Current() != sandbox.Namespaces {
		return ports.New(ports.DefaultDir())
	}
	return privatePorts(), nil
}

var privatePorts = sync.OnceValue(ports.NewPrivate)

// scenarioData returns what was read of every scenario of the assignments
// (all of them: a grade of some reads them all), by path relative to root.
func scenarioData(root string, assignments []scenario.Assignment) map[string][]byte {
	read := make(map[string][]byte)
	for _, a := range assignments {
		for _, sc := range a.Scenarios {
			abs, err := filepath.Abs(sc.Path)
			if err != nil {
				continue
			}
			if rel, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(rel) {
				read[rel] = sc.Data
			}
		}
	}
	return read
}

// only keeps the scenarios whose name, or assignment/name, matches the
// regular expression run, and the assignments that have any.
func only(assignments []scenario.Assignment, run string) ([]scenario.Assignment, error) {
	re, err := regexp.Compile(run)
	if err != nil {
		return nil, fmt.Errorf("-run: %v", err)
	}
	var kept []scenario.Assignment
	for _, a := range assignments {
		a.Scenarios = slices.DeleteFunc(slices.Clone(a.Scenarios), func(sc scenario.Scenario) bool {
			return !re.MatchString(sc.Name) && !re.MatchString(a.Name+"/"+sc.Name)
		})
		if len(a.Scenarios) > 0 {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("no scenario matches -run %q", run)
	}
	return kept, nil
}

// buildAll builds every program the assignment's scenarios start, in
// parallel, and returns the executables of those that compiled.
func buildAll(ctx context.Context, cache *buildCache, a scenario.Assignment, src, bin string, slots chan struct{},
	building func(string, bool)) (map[string]string, []Build) {
	progs := a.Programs()
	builds := make([]Build, len(progs))
	var wg sync.WaitGroup
	for i, prog := range progs {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			builds[i] = build(ctx, cache, filepath.Join(src, a.Name, prog), filepath.Join(bin, prog), building)
		})
	}
	wg.Wait()
	programs := make(map[string]string)
	for _, b := range builds {
		if b.Err == nil {
			programs[b.Program] = b.Path
		}
	}
	return programs, builds
}

// prebuilt finds the assignment's programs as executables in bin, built
// elsewhere (from C, say): bin/<assignment>/<program>.
func prebuilt(a scenario.Assignment, bin string) (map[string]string, []Build) {
	programs := make(map[string]string)
	var builds []Build
	for _, prog := range a.Programs() {
		path := filepath.Join(bin, a.Name, prog)
		b := Build{Program: prog, Dir: path, Path: path}
		if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			b.Err = fmt.Errorf("there is no executable %s", path)
		} else if abs, err := filepath.Abs(path); err == nil {
			programs[prog] = abs
		}
		builds = append(builds, b)
	}
	return programs, builds
}

// runOne runs a scenario, or fails it at once when a program it needs did
// not build or grading was interrupted.
func runOne(ctx context.Context, sc scenario.Scenario, programs map[string]string, builds []Build, alloc *ports.Allocator) Result {
	if ctx.Err() != nil {
		return Result{Scenario: sc, Status: Failed, Reason: notRun + "grading was interrupted"}
	}
	for _, b := range builds {
		if _, ok := programs[b.Program]; !ok && slices.Contains(sc.Programs, b.Program) {
			return Result{Scenario: sc, Status: Failed, Reason: notRun + b.Err.Error(),
				Feedback: fmt.Sprintf("%s%v\n%s", notRun, b.Err, b.Output)}
		}
	}
	return runScenario(ctx, sc, programs, alloc)
}
