//go:build unix

package main

import (
	"context"
	"flag"
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

// The goals bench checks.
const (
	goalGrade    = 3 * time.Second // the whole reference, warm build cache
	goalScenario = time.Second     // any one scenario of the reference
)

// benchCmd is the bench subcommand: it measures, on this machine, how long
// grading the reference takes (with a cold build and with a warm build
// cache), how long each scenario takes, the harness's own cost per
// scenario, and the peak memory, and checks the goals above.
func benchCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10, "warm grades to time")
	opts := runner.Options{}
	fs.StringVar(&opts.Src, "src", "solutions", "what to grade")
	fs.StringVar(&opts.Testdata, "testdata", "testdata", "the scenarios")
	fs.StringVar(&opts.Assignment, "assignment", "", "only this assignment")
	if err := fs.Parse(args); err != nil || *n < 1 {
		return exitBroken
	}
	ctx := context.Background()
	fmt.Fprintf(stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	cold := opts
	cold.NoCache = true
	g, err := runner.Run(ctx, cold)
	if err != nil || g.Errored() {
		fmt.Fprintf(stderr, "grader bench: grading broke: %v %s\n", err, g.Broken)
		return exitBroken
	}
	fmt.Fprintf(stdout, "without the grader's build cache (Go's compile cache as it is): grade %v, of which builds %v\n",
		round(g.Duration), round(g.BuildTime))

	var totals, builds []time.Duration
	perScenario := map[string][]time.Duration{}
	for range *n {
		g, err := runner.Run(ctx, opts)
		if err != nil || !g.AllPassed() {
			fmt.Fprintf(stderr, "grader bench: the reference does not pass: %v %s\n", err, g.Broken)
			return exitBroken
		}
		totals = append(totals, g.Duration)
		builds = append(builds, g.BuildTime)
		for _, r := range g.Results {
			name := r.Scenario.Assignment + "/" + r.Scenario.Name
			perScenario[name] = append(perScenario[name], r.Duration)
		}
	}
	fmt.Fprintf(stdout, "warm build cache, %d grades: median %v (max %v), of which builds median %v\n",
		*n, round(median(totals)), round(slices.Max(totals)), round(median(builds)))

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
	fmt.Fprintf(stdout, "scenarios: median of medians %v; slowest %s at %v; worst single run %v\n",
		round(median(medians)), slowest, round(median(perScenario[slowest])), round(worst))

	overhead, err := harnessOverhead(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "grader bench: %v\n", err)
		return exitBroken
	}
	fmt.Fprintf(stdout, "harness overhead per scenario (a scenario that only leases a port): median %v\n", overhead.Round(10*time.Microsecond))
	self, children := peakMemory()
	fmt.Fprintf(stdout, "peak memory: grader %d MiB, largest child (go build or a student program) %d MiB\n", self>>20, children>>20)

	status := exitPassed
	check := func(ok bool, what string) {
		verdict := "met"
		if !ok {
			verdict, status = "MISSED", exitFailed
		}
		fmt.Fprintf(stdout, "goal %s: %s\n", what, verdict)
	}
	check(median(totals) < goalGrade, fmt.Sprintf("whole reference under %v (warm)", goalGrade))
	check(worst < goalScenario, fmt.Sprintf("no scenario over %v", goalScenario))
	return status
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
