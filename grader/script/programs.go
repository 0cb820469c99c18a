//go:build unix

package script

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

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
	prog, name, progArgs, err := startArgs(args)
	if err != nil {
		st.abort(ts, "usage: %s (%v)", usage("start"), err)
	}
	path, ok := st.programs[prog]
	if !ok {
		st.abort(ts, "no program %q in this assignment", prog)
	}
	st.mu.Lock()
	_, taken := st.reg.find(kindProgram, name)
	st.mu.Unlock()
	if taken {
		st.abort(ts, "a program named %q was already started: use start -as", name)
	}
	p, err := proc.Start(name, path, progArgs, st.workdir, st.env)
	if err != nil {
		st.abort(ts, "cannot start %s: %v", prog, err)
	}
	st.keep(ts, kindProgram, name, p)
}

// startArgs reads start's arguments: the program, the name the scenario
// gives it, and the program's own arguments.
func startArgs(args []string) (prog, name string, progArgs []string, err error) {
	fs := flags("start")
	as := fs.String("as", "", "")
	if err := fs.Parse(args); err != nil {
		return "", "", nil, err
	}
	if fs.NArg() == 0 {
		return "", "", nil, errors.New("no PROGRAM")
	}
	prog, name = fs.Arg(0), fs.Arg(0)
	if *as != "" {
		name = *as
	}
	return prog, name, fs.Args()[1:], nil
}

// StartedProgram returns the program that a start command with these
// arguments starts, so that the grader knows what to build.
func StartedProgram(args []string) (string, bool) {
	prog, _, _, err := startArgs(args)
	return prog, err == nil
}

// Input writes TEXT to a program's standard input; with -close it then
// closes it, so the program reads EOF. A program that exited before reading
// it is no failure here: the commands after it say how it ended.
//
//	input [-close] NAME [TEXT]
func Input(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("input")
	closeAfter := fs.Bool("close", false, "")
	args = parse(ts, fs, args, 1, 2)
	p := mustProcess(ts, st, args[0])
	if len(args) == 2 {
		ctx, cancel := within(st, 0)
		defer cancel()
		if err := p.Input(ctx, text(ts, args[1])); err != nil {
			switch {
			case errors.Is(err, syscall.EPIPE) && exitsSoon(ctx, p):
				// Had it exited a moment later, the text would have sat
				// unread in the pipe: the same outcome, so not a failure
				// here. The commands after this one say how it ended.
				ts.Logf("%s %s before reading this input", p.Name, p.Status())
			case errors.Is(err, syscall.EPIPE):
				ts.Fatalf("cannot write to the standard input of %s: it closed it", p.Name)
			default:
				ts.Fatalf("cannot write to the standard input of %s: it does not read it (%v)", p.Name, err)
			}
		}
	}
	if *closeAfter {
		if err := p.CloseInput(); err != nil {
			ts.Fatalf("cannot close the standard input of %s: %v", p.Name, err)
		}
	}
}

// exitGrace is how long input waits, after a write the program refused,
// for it to be seen exiting: its output pipes may take a moment to close.
const exitGrace = 3 * time.Second

// exitsSoon reports whether p has exited or exits within exitGrace, and
// before ctx ends.
func exitsSoon(ctx context.Context, p *proc.Process) bool {
	ctx, cancel := context.WithTimeout(ctx, exitGrace)
	defer cancel()
	_, err := p.Wait(ctx)
	return err == nil
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
	args = parse(ts, fs, args, 3, 3)
	p := mustProcess(ts, st, args[0])
	out := p.Stdout
	switch args[1] {
	case "stdout":
	case "stderr":
		out = p.Stderr
	default:
		st.abort(ts, "waitfor: want stdout or stderr, got %q", args[1])
	}
	re, err := regexp.Compile("(?m)" + args[2])
	if err != nil {
		st.abort(ts, "waitfor: %v", err)
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	err = out.WaitMatch(ctx, re)
	if err == nil {
		return
	}
	want := describe(args[2]) + " on " + args[1]
	switch {
	case errors.Is(err, proc.ErrNoMatch):
		ts.Fatalf("%s %s; want %s first", p.Name, p.Status(), want)
	case errors.Is(err, proc.ErrFull):
		ts.Fatalf("%s printed more than %d bytes on %s; want %s among them", p.Name, proc.OutputCap, args[1], want)
	}
	ts.Fatalf("want %s; %s printed none before the time limit", want, p.Name)
}

// Await waits for a program to exit and checks its exit status: exactly
// STATUS, or any without it.
//
//	await [-within DURATION] NAME [STATUS]
func Await(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("await")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 2)
	p := mustProcess(ts, st, args[0])
	want := -1
	if len(args) == 2 {
		var err error
		if want, err = strconv.Atoi(args[1]); err != nil || want < 0 {
			st.abort(ts, "await: STATUS must be a number, got %q", args[1])
		}
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := p.Wait(ctx)
	wanted := ""
	if want >= 0 {
		wanted = fmt.Sprintf(" (want exit status %d)", want)
	}
	switch {
	case err != nil && *limit > 0:
		ts.Fatalf("%s did not exit within %v%s", p.Name, *limit, wanted)
	case err != nil:
		ts.Fatalf("%s did not exit before the time limit%s", p.Name, wanted)
	case want >= 0 && got != want:
		ts.Fatalf("%s %s; want exit status %d", p.Name, p.Status(), want)
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
	args = parse(ts, flags("signal"), args, 2, 2)
	p := mustProcess(ts, st, args[0])
	sig, ok := signals[strings.TrimPrefix(args[1], "SIG")]
	if !ok {
		st.abort(ts, "signal: unknown signal %q", args[1])
	}
	if err := p.Signal(sig); err != nil {
		ts.Fatalf("cannot signal %s: it %s", p.Name, p.Status())
	}
}

// mustProcess returns the program the scenario called name, or aborts.
func mustProcess(ts *testscript.TestScript, st *State, name string) *proc.Process {
	return lookup[*proc.Process](ts, st, kindProgram, name)
}
