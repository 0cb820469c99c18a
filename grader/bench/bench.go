//go:build unix

// Package bench measures, on this machine, how long grading takes (grader
// bench, make bench): the reference with a cold build and with a warm
// build cache, each scenario, the harness's own cost per scenario, and the
// peak memory, against the course's goals.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"socklab/grader/runner"
)

// The goals Run checks.
const (
	GoalGrade    = 3 * time.Second // the whole reference, warm build cache
	GoalScenario = time.Second     // any one scenario of the reference
)

// ErrBroken is Run's error when grading breaks or the reference fails.
var ErrBroken = errors.New("grading broke")

// Run grades opts (the reference) once without the grader's build cache
// and n times with it, writes the figures to out, and reports whether
// both goals were met.
func Run(ctx context.Context, opts runner.Options, n int, out io.Writer) (met bool, err error) {
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	cold := opts
	cold.NoCache = true
	g, err := runner.Run(ctx, cold)
	if err != nil || g.Errored() {
		return false, fmt.Errorf("%w: %v %s", ErrBroken, err, g.Broken)
	}
	fmt.Fprintf(out, "without the grader's build cache (Go's compile cache as it is): grade %v, of which builds %v\n",
		round(g.Duration), round(g.BuildTime))

	var totals, builds []time.Duration
	perScenario := map[string][]time.Duration{}
	for range n {
		g, err := runner.Run(ctx, opts)
		if err != nil || !g.AllPassed() {
			return false, fmt.Errorf("%w: the reference does not pass: %v %s", ErrBroken, err, g.Broken)
		}
		totals = append(totals, g.Duration)
		builds = append(builds, g.BuildTime)
		for _, r := range g.Results {
			name := r.Scenario.Assignment + "/" + r.Scenario.Name
			perScenario[name] = append(perScenario[name], r.Duration)
		}
	}
	fmt.Fprintf(out, "warm build cache, %d grades: median %v (max %v), of which builds median %v\n",
		n, round(median(totals)), round(slices.Max(totals)), round(median(builds)))

	var slowest string
	var medians []time.Duration
	for _, name := range slices.Sorted(maps.Keys(perScenario)) {
		m := median(perScenario[name])
		medians = append(medians, m)
		if slowest == "" || m > median(perScenario[slowest]) {
			slowest = name
		}
	}
	worst := slices.Max(slices.Concat(slices.Collect(maps.Values(perScenario))...))
	fmt.Fprintf(out, "scenarios: median of medians %v; slowest %s at %v; worst single run %v\n",
		round(median(medians)), slowest, round(median(perScenario[slowest])), round(worst))

	overhead, err := harnessOverhead(ctx)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "harness overhead per scenario (a scenario that only leases a port): median %v\n", overhead.Round(10*time.Microsecond))
	self, children := peakMemory()
	fmt.Fprintf(out, "peak memory: grader %d MiB, largest child (go build or a student program) %d MiB\n", self>>20, children>>20)

	met = true
	check := func(ok bool, what string) {
		verdict := "met"
		if !ok {
			verdict, met = "MISSED", false
		}
		fmt.Fprintf(out, "goal %s: %s\n", what, verdict)
	}
	check(median(totals) < GoalGrade, fmt.Sprintf("whole reference under %v (warm)", GoalGrade))
	check(worst < GoalScenario, fmt.Sprintf("no scenario over %v", GoalScenario))
	return met, nil
}

// harnessOverhead times scenarios that do nothing but lease a port, one at
// a time: what the harness itself costs a scenario.
func harnessOverhead(ctx context.Context) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "socklab-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "00-bench"), 0o755); err != nil {
		return 0, err
	}
	for i := range 20 {
		script := "# points: 1\n# Nothing but a port.\n\nport P\n"
		if err := os.WriteFile(filepath.Join(dir, "00-bench", fmt.Sprintf("noop-%02d.txtar", i)), []byte(script), 0o644); err != nil {
			return 0, err
		}
	}
	g, err := runner.Run(ctx, runner.Options{Src: dir, Testdata: dir, Jobs: 1})
	if err != nil {
		return 0, err
	}
	var ds []time.Duration
	for _, r := range g.Results {
		ds = append(ds, r.Duration)
	}
	return median(ds), nil
}

// peakMemory returns the largest resident set of the grader and of any of
// its (waited-for) children, in bytes.
func peakMemory() (self, children int64) {
	unit := int64(1024) // Linux counts kilobytes
	if runtime.GOOS == "darwin" {
		unit = 1 // macOS, bytes
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = int64(ru.Maxrss) * unit
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	children = int64(ru.Maxrss) * unit
	return self, children
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
