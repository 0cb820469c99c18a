//go:build unix

package script

import (
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/proc"
)

// Start starts a student program in the background, in its own process
// group, with an empty standard input that stays open until input.
//
//	start [-as NAME] PROGRAM [ARG...]
//
// PROGRAM is one of the assignment's programs (server, client, ...). The
// scenario refers to it by NAME, by default PROGRAM. The program is killed,
// with everything it forked, when the scenario ends.
func Start(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("start")
	as := fs.String("as", "", "")
	args = parse(ts, fs, args, 1, -1, "start [-as NAME] PROGRAM [ARG...]")
	prog, name := args[0], args[0]
	if *as != "" {
		name = *as
	}
	path, ok := st.programs[prog]
	if !ok {
		ts.Fatalf("no program %q in this assignment", prog)
	}
	if st.process(name) != nil {
		ts.Fatalf("a program named %q was already started: use start -as", name)
	}
	p, err := proc.Start(name, path, args[1:], st.workdir, st.env)
	if err != nil {
		ts.Fatalf("cannot start %s: %v", prog, err)
	}
	st.mu.Lock()
	st.procs = append(st.procs, p)
	st.mu.Unlock()
}

// Input writes TEXT to a program's standard input; with -close it then
// closes it, so the program reads EOF.
//
//	input [-close] NAME [TEXT]
func Input(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("input")
	closeAfter := fs.Bool("close", false, "")
	args = parse(ts, fs, args, 1, 2, "input [-close] NAME [TEXT]")
	p := mustProcess(ts, st, args[0])
	if len(args) == 2 {
		ctx, cancel := within(st, 0)
		defer cancel()
		if err := p.Input(ctx, text(ts, args[1])); err != nil {
			if p.Exited() {
				ts.Fatalf("cannot write to the standard input of %s: it %s", p.Name, p.Status())
			}
			ts.Fatalf("cannot write to the standard input of %s: it does not read it (%v)", p.Name, err)
		}
	}
	if *closeAfter {
		if err := p.CloseInput(); err != nil {
			ts.Fatalf("cannot close the standard input of %s: %v", p.Name, err)
		}
	}
}

// WaitFor waits until a program has printed a match for REGEXP (a Go
// regular expression in multi-line mode, as for stdout and stderr) on the
// given stream.
//
//	waitfor [-within DURATION] NAME stdout|stderr REGEXP
//
// It fails if the program exits without printing it, or at the time limit.
func WaitFor(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("waitfor")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, 3, "waitfor [-within DURATION] NAME stdout|stderr REGEXP")
	p := mustProcess(ts, st, args[0])
	out := p.Stdout
	switch args[1] {
	case "stdout":
	case "stderr":
		out = p.Stderr
	default:
		ts.Fatalf("waitfor: want stdout or stderr, got %q", args[1])
	}
	re, err := regexp.Compile("(?m)" + args[2])
	ts.Check(err)
	ctx, cancel := within(st, *limit)
	defer cancel()
	err = out.WaitMatch(ctx, re)
	if err == nil {
		return
	}
	publish(ts, p)
	if errors.Is(err, proc.ErrNoMatch) {
		ts.Fatalf("%s %s without printing a match for %#q on %s", p.Name, p.Status(), args[2], args[1])
	}
	ts.Fatalf("%s did not print a match for %#q on %s before the time limit", p.Name, args[2], args[1])
}

// Await waits for a program to exit and checks its exit status, exactly.
// Its standard output and error become what the stdout and stderr
// commands that follow look at.
//
//	await [-within DURATION] NAME STATUS
func Await(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("await")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 2, "await [-within DURATION] NAME STATUS")
	p := mustProcess(ts, st, args[0])
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("await: STATUS must be a number, got %q", args[1])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := p.Wait(ctx)
	publish(ts, p)
	switch {
	case err != nil && *limit > 0:
		ts.Fatalf("%s did not exit within %v (want exit status %d)", p.Name, *limit, want)
	case err != nil:
		ts.Fatalf("%s did not exit before the time limit (want exit status %d)", p.Name, want)
	case got != want:
		ts.Fatalf("%s %s, want exit status %d", p.Name, p.Status(), want)
	}
}

// signals are the signals a scenario may send.
var signals = map[string]syscall.Signal{
	"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "PIPE": syscall.SIGPIPE,
}

// Signal sends a signal to a running program's process group, as a
// terminal does on Ctrl-C (INT).
//
//	signal NAME INT|TERM|HUP|QUIT|KILL|USR1|USR2|PIPE
func Signal(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("signal"), args, 2, 2, "signal NAME SIGNAL")
	p := mustProcess(ts, st, args[0])
	sig, ok := signals[strings.TrimPrefix(args[1], "SIG")]
	if !ok {
		ts.Fatalf("signal: unknown signal %q", args[1])
	}
	if err := p.Signal(sig); err != nil {
		ts.Fatalf("cannot signal %s: it %s", p.Name, p.Status())
	}
}

// publish makes what p printed so far the subject of the next stdout and
// stderr commands. testscript also copies it into the log; State.Published
// lists those copies.
func publish(ts *testscript.TestScript, p *proc.Process) {
	st := stateOf(ts)
	out, errOut := p.Stdout.String(), p.Stderr.String()
	io.WriteString(ts.Stdout(), out)
	io.WriteString(ts.Stderr(), errOut)
	st.mu.Lock()
	defer st.mu.Unlock()
	for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
		if s != "" {
			st.published = append(st.published, "["+name+"]\n"+s+"\n")
		}
	}
}

func (st *State) process(name string) *proc.Process {
	st.mu.Lock()
	defer st.mu.Unlock()
	i := slices.IndexFunc(st.procs, func(p *proc.Process) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	return st.procs[i]
}

func mustProcess(ts *testscript.TestScript, st *State, name string) *proc.Process {
	p := st.process(name)
	if p == nil {
		ts.Fatalf("no program named %q was started", name)
	}
	return p
}
