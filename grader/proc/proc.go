//go:build unix

// Package proc runs student programs the way a grader must: each in its own
// process group, with its output recorded and capped, its standard input
// written only when the scenario says so, and the whole group killed at the
// end, so that a program that ignores signals, forks, or never exits leaves
// nothing behind.
package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// OutputCap is how many bytes of each stream a Process keeps.
const OutputCap = 1 << 20

// pipeGrace bounds how long Wait waits for the output pipes to close after
// the program exited: a child it forked may hold them open. It is also the
// time the grader has to read what the program wrote before it exited, on
// a machine so loaded that reading waits its turn: at half a second, a
// machine with a load of a hundred lost a whole program's output now and
// then; at two, never in thousands of runs. Sandboxed, a program leaves
// no child behind (its PID namespace ends with it), and the wait is only
// for the reading: it gets longer still, sandboxGrace.
const (
	pipeGrace    = 2 * time.Second
	sandboxGrace = 10 * time.Second
)

// A Process is a running (or finished) student program.
type Process struct {
	Name   string  // the name the scenario knows it by
	Stdout *Output // what it printed on standard output
	Stderr *Output // what it printed on standard error

	cmd   *exec.Cmd
	stdin *os.File
	done  chan struct{} // closed once the program has exited and its output is in

	// A sandboxed program's launcher tells on status how it went: its
	// lines, and what they say of the program's end.
	status  *os.File // the launcher's side: statusW
	statusW *os.File
	lines   chan string
	result  string   // "exit N" or "signal N", once known
	temps   []string // made for this run, removed after it

	mu     sync.Mutex
	killed bool // the grader killed it
}

// Start runs path with args in dir with env, in a new process group, under
// the limits of limits.go, isolated as far as the grader's level allows
// (package sandbox). Its standard input is a pipe that stays open, and
// empty, until Input or CloseInput.
func Start(name, path string, args []string, dir string, env []string) (*Process, error) {
	// The launcher would only fail in the child: say so here.
	if info, err := os.Stat(path); err != nil {
		return nil, err
	} else if info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("%s is not an executable", path)
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinR.Close() // the child has its own copy
	p := &Process{
		Name:   name,
		Stdout: NewOutput(OutputCap),
		Stderr: NewOutput(OutputCap),
		stdin:  stdinW,
		done:   make(chan struct{}),
	}
	if err := p.launcher(path, args, dir, env); err != nil {
		stdinW.Close()
		p.cleanup()
		return nil, err
	}
	p.cmd.Stdin = stdinR
	p.cmd.Stdout = p.Stdout
	p.cmd.Stderr = p.Stderr
	p.cmd.WaitDelay = pipeGrace
	if p.status != nil {
		p.cmd.WaitDelay = sandboxGrace
	}
	if err := p.cmd.Start(); err != nil {
		stdinW.Close()
		p.cleanup()
		return nil, err
	}
	if err := p.started(); err != nil {
		p.Kill()
		return nil, err
	}
	go func() {
		p.cmd.Wait()
		p.Stdout.Close()
		p.Stderr.Close()
		p.finish()
		p.cleanup()
		close(p.done)
	}()
	return p, nil
}

// PID returns the program's process ID, which is also its process group ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Input writes data to the program's standard input, giving up at ctx's
// deadline if the program does not read it.
func (p *Process) Input(ctx context.Context, data []byte) error {
	d, _ := ctx.Deadline() // the zero time: no deadline
	p.stdin.SetWriteDeadline(d)
	_, err := p.stdin.Write(data)
	return err
}

// CloseInput closes the program's standard input: it reads EOF.
func (p *Process) CloseInput() error {
	err := p.stdin.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}

// Done is closed once the program has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the program has exited and its output is all in:
// a child it forked that holds its output open delays this by pipeGrace
// at most.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for the program to exit or ctx to end, and returns its exit
// status: -1 when a signal ended it.
func (p *Process) Wait(ctx context.Context) (int, error) {
	select {
	case <-p.done:
		return p.ExitCode(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// ExitCode returns the exit status of a program that has exited: -1 when
// a signal ended it.
func (p *Process) ExitCode() int {
	<-p.done
	if code, ok := p.own(); ok {
		return code
	}
	return p.cmd.ProcessState.ExitCode()
}

// Signal sends sig to the program's process group, as a terminal does on
// Ctrl-C.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return fmt.Errorf("%s has already exited", p.Name)
	}
	return syscall.Kill(-p.PID(), sig)
}

// Kill kills the program's whole process group, including children that
// outlived it, and waits for the program to be reaped.
func (p *Process) Kill() {
	p.mu.Lock()
	// A program that ended before is not the grader's doing, even if its
	// output is not all in yet (Exited is still false).
	p.killed = p.killed || !exitedNow(p.PID(), p)
	p.mu.Unlock()
	// The group may outlive its leader: kill it even if the leader exited.
	syscall.Kill(-p.PID(), syscall.SIGKILL)
	p.stdin.Close()
	<-p.done
}

// Close kills the program (see Kill): a scenario's programs are closed
// with everything else it opened when it ends.
func (p *Process) Close() error {
	p.Kill()
	return nil
}

// Status describes how the program ended, or that it has not.
func (p *Process) Status() string {
	if !p.Exited() {
		return "still running"
	}
	p.mu.Lock()
	killed := p.killed
	p.mu.Unlock()
	// Kill counts only if its SIGKILL is what ended the program: one that
	// exited by itself just before (while a child it forked held its
	// output open, so that it did not look exited yet) keeps its status.
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); killed && ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return "did not exit by itself: killed at the end of the scenario"
	}
	var n int
	switch {
	case p.result == "":
	case fmtSscanf(p.result, "signal %d", &n):
		return fmt.Sprintf("was killed by signal %d (%v)", n, syscall.Signal(n))
	case fmtSscanf(p.result, "exit %d", &n):
		return fmt.Sprintf("exited with status %d", n)
	}
	return describe(p.cmd.ProcessState)
}

// own returns the exit status of a sandboxed program, as its launcher
// told it (-1 for a signal), rather than the launcher's.
func (p *Process) own() (int, bool) {
	var n int
	switch {
	case fmtSscanf(p.result, "exit %d", &n):
		return n, true
	case fmtSscanf(p.result, "signal %d", &n):
		return -1, true
	}
	return 0, false
}

// fmtSscanf reports whether s is format with its one number read into n.
func fmtSscanf(s, format string, n *int) bool {
	got, err := fmt.Sscanf(s, format, n)
	return err == nil && got == 1
}

// describe says how a process ended, in words a student can act on.
func describe(st *os.ProcessState) string {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return fmt.Sprintf("was killed by signal %d (%v)", ws.Signal(), ws.Signal())
	}
	return fmt.Sprintf("exited with status %d", st.ExitCode())
}
