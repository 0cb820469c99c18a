// The attacker's toolkit, added to every program an attack edits (see
// grader/attacks_helpers_test.go): what a student program can learn of the
// machine from /proc, and how it leaves a daemon behind.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// graderAncestor returns the nearest ancestor process that is a grader,
// its first argument a grading command ("grade" or "batch"), as /proc
// shows it; 0 when none can be seen (in a PID namespace of its own).
func graderAncestor() int {
	seen := 0
	for pid := os.Getppid(); pid > 1 && seen < 64; pid, seen = parentOf(pid), seen+1 {
		if args := argsOf(pid); len(args) > 1 && (args[1] == "grade" || args[1] == "batch") {
			return pid
		}
	}
	return 0
}

// argsOf returns the command line of process pid.
func argsOf(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

// parentOf returns the parent of process pid, 0 if it cannot be seen.
func parentOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// flagOf returns the value of flag name on process pid's command line,
// made absolute from its working directory; "" if it has none.
func flagOf(pid int, name string) string {
	args := argsOf(pid)
	for i, a := range args {
		if a != name || i+1 >= len(args) {
			continue
		}
		v := args[i+1]
		if !filepath.IsAbs(v) {
			if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
				v = filepath.Join(cwd, v)
			}
		}
		return v
	}
	return ""
}

// environOf returns the environment process pid started with; nil if it
// cannot be read.
func environOf(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

// getenvIn returns the value of name in env.
func getenvIn(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// processes returns every process /proc shows, with its parent.
func processes() map[int]int {
	parents := make(map[int]int)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			parents[pid] = parentOf(pid)
		}
	}
	return parents
}

// descends reports whether pid descends from ancestor, by parents.
func descends(pid, ancestor int, parents map[int]int) bool {
	for p, n := parents[pid], 0; p > 0 && n < 64; p, n = parents[p], n+1 {
		if p == ancestor {
			return true
		}
	}
	return false
}

// sandboxed reports whether this process is in a PID namespace of its
// own: there, process IDs start again from 1, while a new process of the
// machine's never gets one below 300 (Linux starts again from 300 when it
// wraps around). A safety catch of the attacks that signal every process
// they see: only where that cannot reach beyond the sandbox.
func sandboxed() bool { return os.Getpid() < 300 }

// startDaemon runs this program again with args, in a session of its own
// (setsid: out of its process group, which the grader kills), with no
// standard files: it outlives the program where nothing stops it.
func startDaemon(args ...string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd.Start()
}

// itoa is strconv.Itoa.
func itoa(n int) string { return strconv.Itoa(n) }
