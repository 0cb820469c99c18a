//go:build unix

package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests start the test binary itself as the student program: with
// childEnv set to a mode, TestMain runs that mode instead of the tests.
const childEnv = "PROC_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		child(mode, os.Args[1:])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child runs one mode of the child program.
func child(mode string, args []string) {
	switch mode {
	case "exit": // exit STATUS STDOUT STDERR
		status, _ := strconv.Atoi(args[0])
		fmt.Print(args[1])
		fmt.Fprint(os.Stderr, args[2])
		os.Exit(status)
	case "echo": // copies stdin to stdout a line at a time until EOF
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println(sc.Text())
		}
	case "sleep": // prints "ready", then sleeps until killed
		fmt.Println("ready")
		sleepForever()
	case "stubborn": // ignores SIGINT and SIGTERM, says so, sleeps forever
		signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
		fmt.Println("ready")
		sleepForever()
	case "fork", "fork-exit": // starts a sleeping grandchild that shares stdout
		gc := exec.Command(os.Args[0])
		gc.Env = append(os.Environ(), childEnv+"=stubborn")
		gc.Stdout = os.Stdout
		if err := gc.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("grandchild %d\n", gc.Process.Pid)
		if mode == "fork-exit" {
			os.Exit(0)
		}
		sleepForever()
	case "flood": // writes N bytes to stdout
		n, _ := strconv.Atoi(args[0])
		os.Stdout.Write(bytes.Repeat([]byte("x"), n))
	case "limits": // prints its resource limits, soft and hard
		for _, name := range []string{"data", "nofile", "fsize", "core", "nproc"} {
			var l syscall.Rlimit
			syscall.Getrlimit(resources[name], &l)
			fmt.Printf("%s %d %d\n", name, l.Cur, l.Max)
		}
	case "hog": // allocates and touches memory without end
		var keep [][]byte
		for {
			b := bytes.Repeat([]byte{1}, 64<<20)
			keep = append(keep, b)
		}
	case "suicide": // kills itself with SIGKILL
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		sleepForever()
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode", mode)
		os.Exit(100)
	}
}

// sleepForever is how a child that never exits spends its time (select{}
// alone would be reported as a deadlock by the Go runtime).
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// start runs the test binary in mode with args, and kills it at the end of
// the test.
func start(t *testing.T, mode string, args ...string) *Process {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	// GORACE: a child built with -race would otherwise sleep a second
	// before exiting with status 0.
	env := append(os.Environ(), childEnv+"="+mode, "GORACE=atexit_sleep_ms=0")
	p, err := Start(mode, exe, args, t.TempDir(), env)
	require.NoError(t, err)
	t.Cleanup(func() { kill(t, p) })
	return p
}

// kill calls p.Kill, and fails the test if it does not return within a few
// seconds (then it kills the program itself, so that the test ends).
func kill(t *testing.T, p *Process) {
	t.Helper()
	killed := make(chan struct{})
	go func() { p.Kill(); close(killed) }()
	select {
	case <-killed:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.PID(), syscall.SIGKILL)
		syscall.Kill(p.PID(), syscall.SIGKILL)
		t.Errorf("Kill did not return within 5s")
	}
}

// timeout returns a context that ends after d.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// timeoutAt returns a context that ends at d.
func timeoutAt(t *testing.T, d time.Time) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitPrinted waits for re on p's standard output and returns its first
// submatch, if any.
func waitPrinted(t *testing.T, p *Process, re string) string {
	t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	require.NoError(t, p.Stdout.WaitMatch(timeout(t, 5*time.Second), rx),
		"waiting for %q on stdout; got %q, stderr %q", re, p.Stdout.String(), p.Stderr.String())
	m := rx.FindStringSubmatch(p.Stdout.String())
	if len(m) > 1 {
		return m[1]
	}
	return ""
}

// grandchild waits for a fork child to print its grandchild's PID.
func grandchild(t *testing.T, p *Process) int {
	t.Helper()
	pid, err := strconv.Atoi(waitPrinted(t, p, `^grandchild (\d+)$`))
	require.NoError(t, err)
	return pid
}

// dead reports whether pid is gone: no such process, or (on Linux, where
// /proc tells) a zombie that its new parent has not reaped yet.
func dead(pid int) bool {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, rerr := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if rerr != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	fields := strings.Fields(string(stat[i+1:]))
	return i >= 0 && len(fields) > 0 && fields[0] == "Z"
}

// requireDead waits, for a few seconds at most, until pid is dead.
func requireDead(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool { return dead(pid) }, 5*time.Second, 5*time.Millisecond,
		"process %d is still alive", pid)
}
