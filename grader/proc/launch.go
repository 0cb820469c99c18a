//go:build unix

package proc

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

// launchEnv marks a run of the grader's own executable whose only work is
// to launch a student program: set the limits on itself, and then become
// the program (exec), or, sandboxed, make the program's own view of the
// machine, start it in there and stay as the init of its PID namespace
// until it ends. Go's os/exec cannot set limits or mount anything in a
// child between its fork and its exec, and doing it afterwards would come
// too late. Any binary that links this package (the grader, its tests)
// can do it: see init.
const launchEnv = "SOCKLAB_LAUNCH"

// A launchSpec is what the launcher is told, in launchEnv.
type launchSpec struct {
	Limits  map[string]uint64 `json:"limits"`
	Sandbox *sandboxSpec      `json:"sandbox,omitempty"`
	User    int               `json:"user,omitempty"` // if not 0, the user (and group) to run the program as
}

// A sandboxSpec is the view of the machine a sandboxed program gets: a
// root of its own, empty but for the system's programs and libraries
// (read-only), a few devices, its own /proc, its executable (read-only),
// and its scenario's work directory, the one place it may write.
type sandboxSpec struct {
	Root string   // an empty directory to build the root in
	Work string   // the scenario's work directory
	Exec string   // the program's executable
	Dirs []string // the system's directories to show, read-only, where they are
}

// Command returns a command that runs name with args under limits (by
// the names of resources: "data", "fsize", ...), through the launcher, as
// the grader runs the go command on a student's code. Without its own
// executable the grader runs it as it is.
func Command(ctx context.Context, limits map[string]uint64, name string, args ...string) (*exec.Cmd, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return exec.CommandContext(ctx, path, args...), nil
	}
	encoded, err := json.Marshal(launchSpec{Limits: limits})
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), launchEnv+"="+string(encoded))
	return cmd, nil
}

// probeEnv marks a run of the grader's own executable as the program of
// Probe: it exits at once.
const probeEnv = "SOCKLAB_PROBE"

func init() {
	if s, ok := os.LookupEnv(launchEnv); ok {
		launch(s, os.Args[1:])
	}
	if os.Getenv(probeEnv) != "" {
		os.Exit(0)
	}
}

// Probe starts a program the way Start would, here and now, and waits for
// it: the grader's own executable, which exits at once. It fails where the
// grader cannot run programs at its level of isolation.
func Probe() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "socklab-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := Start("probe", self, nil, dir, []string{probeEnv + "=1"})
	if err != nil {
		return err
	}
	<-p.Done()
	if code := p.ExitCode(); code != 0 {
		return fmt.Errorf("the probe %s", p.Status())
	}
	return nil
}

// launch runs the launcher: spec, then the program and its arguments. It
// does not return.
func launch(encoded string, args []string) {
	var spec launchSpec
	if err := json.Unmarshal([]byte(encoded), &spec); err != nil || len(args) == 0 {
		fmt.Fprintf(os.Stderr, "grader: launcher: bad spec %q: %v\n", encoded, err)
		os.Exit(127)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, launchEnv+"=") {
			env = append(env, kv)
		}
	}
	setLimits(spec.Limits)
	if spec.Sandbox != nil {
		os.Exit(supervise(spec.Sandbox, args, env))
	}
	if spec.User != 0 {
		// Drop root for good before the program runs: groups, group, user.
		if err := dropTo(spec.User); err != nil {
			fmt.Fprintf(os.Stderr, "grader: cannot run %s as user %d: %v\n", args[0], spec.User, err)
			os.Exit(127)
		}
	}
	err := syscall.Exec(args[0], args, env)
	fmt.Fprintf(os.Stderr, "grader: cannot run %s: %v\n", args[0], err)
	os.Exit(127)
}

// dropTo makes this process, run by root, run as the user and group id.
func dropTo(id int) error {
	if err := syscall.Setgroups(nil); err != nil {
		return err
	}
	if err := syscall.Setgid(id); err != nil {
		return err
	}
	return syscall.Setuid(id)
}

// statusFD is the launcher's file descriptor (the first of ExtraFiles)
// on which a sandboxed launcher tells the grader how the program went:
// "started", then "exit N" or "signal N"; or "error MESSAGE" if it could
// not start it.
const statusFD = 3

// forwarded are the signals the grader may send a program: a sandboxed
// launcher passes them on to the program's process group.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE}

// supervise runs in the launcher, the init of a new PID and mount
// namespace: it makes the program's view of the machine, starts the
// program in a user and mount namespace of its own (where those mounts are
// locked: it cannot undo them), passes signals on to it, and when it
// exits, reports how on statusFD and returns, which ends the PID namespace
// and everything the program left running in it.
func supervise(sb *sandboxSpec, args, env []string) int {
	status := os.NewFile(statusFD, "status")
	report := func(format string, a ...any) { fmt.Fprintf(status, format+"\n", a...) }
	if err := makeRoot(sb); err != nil {
		report("error %v", err)
		return 125
	}
	signal.Ignore(syscall.SIGTTOU, syscall.SIGTTIN)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env, cmd.Dir = env, sb.Work
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = programAttr()
	if err := cmd.Start(); err != nil {
		report("error cannot start %s: %v", args[0], err)
		return 125
	}
	report("started")
	go func() {
		for s := range sigs {
			syscall.Kill(-cmd.Process.Pid, s.(syscall.Signal))
		}
	}()
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		report("signal %d", int(ws.Signal()))
	} else {
		report("exit %d", ws.ExitStatus())
	}
	return 0
}
