//go:build unix

// Package sandbox decides how far the grader isolates the programs it
// grades, and sets up the part of it that belongs to the grader itself.
//
// There are three levels, best first:
//
//   - Namespaces (Linux, where the grader may create user namespaces: as
//     root, or where unprivileged user namespaces are allowed). The
//     grader runs each grading command again in a user and a network
//     namespace of its own (Enter): a private loopback, where its ports
//     cannot collide with, or be seen by, any other grade, and where its
//     own side of each scenario (peers, relays, held ports) lives with
//     the programs it talks to. Each student program then runs in a PID
//     and mount namespace of its own (package proc): nothing it starts
//     outlives it, it cannot see or signal the grader, and the only place
//     it can write is its scenario's work directory.
//   - Another user (the grader runs as root, and namespaces are refused,
//     as in most Docker containers): student programs run as an
//     unprivileged user, who cannot signal the grader, nor write the
//     course, the results or the caches.
//   - Process groups (macOS; Linux that refuses unprivileged user
//     namespaces, such as Ubuntu 24.04): each program runs in its own
//     process group, killed whole at the end of its scenario. A program
//     that leaves its group (setsid), reads or writes the user's files,
//     or signals the grader is not stopped; the grader's own defences
//     (scenarios read before any program runs, results written afresh,
//     cached programs verified, bounded waits) still hold.
package sandbox

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// A Level is how far the grader isolates student programs.
type Level string

// The levels, best first.
const (
	Namespaces    Level = "namespaces"
	OtherUser     Level = "unprivileged user"
	ProcessGroups Level = "process groups"
)

// levelEnv tells a grader that Enter started which level it runs at.
const levelEnv = "SOCKLAB_ISOLATION"

// Current returns the level this process grades at: the one Enter chose
// for it, or ProcessGroups in a process that did not go through Enter
// (the grader's own tests, grading in their process).
func Current() Level {
	switch l := Level(os.Getenv(levelEnv)); l {
	case Namespaces, OtherUser:
		return l
	}
	return ProcessGroups
}

// Disabled, when set in the environment (SOCKLAB_ISOLATION=off), keeps
// Enter from trying namespaces: for an instructor who must grade without
// them, and for tests of the lower levels.
const Disabled = "off"

// Enter runs the grader again, with args, inside a user and a network
// namespace of its own, where it is root and the only loopback is its
// own, and returns the exit status of that run and true. Where it cannot
// (not Linux, namespaces refused, or already inside), it returns false,
// and the caller goes on grading in this process, at the level Current
// says. Ctrl-C and SIGTERM reach the inner grader.
func Enter(args []string) (int, bool) {
	if os.Getenv(levelEnv) != "" || !supported() {
		return 0, false
	}
	self, err := os.Executable()
	if err != nil {
		return 0, false
	}
	cmd := exec.Command(self, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), levelEnv+"="+string(Namespaces))
	cmd.SysProcAttr = namespaces()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		// Refused (EPERM on Ubuntu 24.04 and in Docker): grade here, and
		// say which level that is.
		fallBack()
		return 0, false
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	cmd.Wait()
	close(done)
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	if cmd.ProcessState.ExitCode() == FallBack {
		// The namespaces were there, but not what the grader needs in them.
		fallBack()
		return 0, false
	}
	return cmd.ProcessState.ExitCode(), true
}

// FallBack is the exit status of a grader that Enter started and that
// cannot isolate programs in its namespaces after all (Setup failed):
// Enter then goes on at the next level, in this process, as if the
// namespaces had been refused. It exits with it before it grades anything.
const FallBack = 121

// fallBack makes this process grade at the level below Namespaces.
func fallBack() {
	level := ProcessGroups
	if os.Geteuid() == 0 {
		level = OtherUser
	}
	os.Setenv(levelEnv, string(level))
}

// Setup prepares a grader that Enter started: it brings its loopback up,
// then checks with probe that a program can be sandboxed. It does nothing
// in any other process. A grader whose Setup fails exits with FallBack.
func Setup(probe func() error) error {
	if Current() != Namespaces {
		return nil
	}
	if err := LoopbackUp(); err != nil {
		return err
	}
	return probe()
}
