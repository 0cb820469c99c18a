//go:build unix

// Package script holds the commands the grader adds to testscript, and the
// per-scenario state they share: the student programs it started, the
// grader's connections, listeners and relays, and the ports it leased.
//
// Every command is a plain function of the script and its arguments;
// Commands lists them by name, for testscript. Each one waits at most until
// the scenario's deadline (or its own -within), and everything a scenario
// opened or started is closed or killed when it ends, pass or fail.
//
// A command fails the scenario (ts.Fatalf) for what the student's programs
// did, and aborts it (State.abort) for what is not theirs to answer for: a
// mistake in the scenario, or the grader unable to do its part.
package script

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/ports"
	"socklab/grader/proc"
	"socklab/grader/sandbox"
)

// State is what one scenario's commands share.
type State struct {
	ctx      context.Context
	programs map[string]string // program name -> executable
	ports    *ports.Allocator
	workdir  string
	env      []string // environment of student programs
	slack    float64  // what -within deadlines are multiplied by (see WithSlack)

	mu     sync.Mutex
	reg    registry // what the scenario started and opened
	broken string   // why the grader could not run the scenario, if so
	closed bool
}

type stateKey struct{}

// NewState returns the state of one scenario run. ctx ends at the
// scenario's deadline; programs maps each program name a scenario may start
// to its executable.
func NewState(ctx context.Context, programs map[string]string, alloc *ports.Allocator) *State {
	slack, _ := ctx.Value(slackKey{}).(float64)
	return &State{ctx: ctx, programs: programs, ports: alloc, slack: max(1, slack)}
}

type slackKey struct{}

// WithSlack returns a context in which the scenarios run give a program
// factor times the time their -within flags say (not more than the
// scenario's own time limit, which stays). It is for make check, which
// grades many submissions at once, on a machine that may be running
// other tests too: a deadline a program meets on a quiet machine must not
// fail the reference, or a mutant where it should not, because the
// machine was busy. A mutant caught by a deadline at factor is caught at 1.
// Grading a student's work runs at 1.
func WithSlack(ctx context.Context, factor float64) context.Context {
	return context.WithValue(ctx, slackKey{}, factor)
}

// Setup is a testscript Params.Setup that makes st the state of the script
// and cleans it up when the script ends.
func (st *State) Setup(env *testscript.Env) error {
	st.workdir = env.WorkDir
	if sandbox.Current() == sandbox.OtherUser {
		// The programs run as another user, who writes here.
		if err := os.Chmod(env.WorkDir, 0o777); err != nil {
			return err
		}
	}
	st.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + env.WorkDir,
		"TMPDIR=" + filepath.Join(env.WorkDir, ".tmp"),
		"WORK=" + env.WorkDir,
	}
	env.Values[stateKey{}] = st
	env.Defer(st.Close)
	return nil
}

func stateOf(ts *testscript.TestScript) *State {
	st, ok := ts.Value(stateKey{}).(*State)
	if !ok {
		panic("script: the scenario was not set up with (*State).Setup")
	}
	return st
}

// Close kills every program the scenario started (with its process group),
// closes every connection, listener and relay, and releases its ports. It
// is safe to call more than once and from another goroutine: once it has
// run, a command that starts or opens something undoes it and aborts.
func (st *State) Close() {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return
	}
	st.closed = true
	entries := slices.Clone(st.reg.entries)
	st.mu.Unlock()
	closeAll(entries)
}

// abort stops the script for a reason that is not the student's: the
// scenario is wrong, or the grader cannot do its part. The runner reports
// it as the grader's error, not as a failed scenario.
func (st *State) abort(ts *testscript.TestScript, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	st.mu.Lock()
	if st.broken == "" {
		st.broken = msg
	}
	st.mu.Unlock()
	ts.Fatalf("%s", msg)
}

// Broken returns why the grader could not run the scenario, or "".
func (st *State) Broken() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.broken
}

// Processes returns the programs the scenario started, in order.
func (st *State) Processes() []*proc.Process {
	st.mu.Lock()
	defer st.mu.Unlock()
	var ps []*proc.Process
	for _, e := range st.reg.of(kindProgram) {
		ps = append(ps, e.r.(*proc.Process))
	}
	return ps
}

// Report tells what each program and each grader connection did: how each
// program ended and what it printed, and what each connection sent and
// received. It is the feedback beneath a failed scenario.
func (st *State) Report() string {
	st.mu.Lock()
	entries := slices.Clone(st.reg.entries)
	st.mu.Unlock()
	return tell(entries)
}

// reportCap is how much of each stream Report shows.
const reportCap = 2048

func stream(b *strings.Builder, name string, o *proc.Output) {
	s := o.String()
	if s == "" {
		fmt.Fprintf(b, "  %s: nothing\n", name)
		return
	}
	more := len(s) > reportCap || o.Dropped() > 0
	if len(s) > reportCap {
		s = s[:reportCap]
	}
	fmt.Fprintf(b, "  %s:\n", name)
	for line := range strings.Lines(s) {
		fmt.Fprintf(b, "    | %s", strings.TrimSuffix(line, "\n")+"\n")
	}
	switch {
	case more:
		fmt.Fprintf(b, "    (and more, cut)\n")
	case !strings.HasSuffix(s, "\n"):
		fmt.Fprintf(b, "    (no newline at the end)\n")
	}
}

// giveUp returns the test that tells dial, accept and relay to stop
// waiting for a program to listen or connect: the program named has
// exited, or, with no name, every program of the scenario has.
func (st *State) giveUp(name string) func() error {
	return func() error {
		procs := st.Processes()
		if name != "" {
			i := slices.IndexFunc(procs, func(p *proc.Process) bool { return p.Name == name })
			if i < 0 {
				return nil // not started yet
			}
			procs = procs[i : i+1]
		}
		var ended []string
		for _, p := range procs {
			if !p.Exited() {
				return nil
			}
			ended = append(ended, p.Name+" "+p.Status())
		}
		if len(procs) == 0 {
			return fmt.Errorf("no program is running")
		}
		return fmt.Errorf("%s", strings.Join(ended, "; "))
	}
}
