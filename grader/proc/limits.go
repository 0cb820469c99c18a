//go:build unix

package proc

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Limits on every student program, so that one that runs away cannot take
// the machine down with it. Each is set as both the soft and the hard
// limit, so the program cannot raise it (Go's runtime raises a soft open
// files limit to the hard one).
const (
	// DataSize bounds a program's memory (RLIMIT_DATA: since Linux 4.7 the
	// private writable mappings, a heap among them). A Go program that
	// allocates without end dies at it with "out of memory". Not RLIMIT_AS:
	// an idle Go program reserves some 1.5 GB of address space. macOS does
	// not enforce it.
	DataSize = 1 << 30
	// OpenFiles bounds its open files and sockets (RLIMIT_NOFILE).
	OpenFiles = 1024
	// FileSize bounds a file it writes (RLIMIT_FSIZE): a disk-filler gets
	// SIGXFSZ. Its output pipes are not files.
	FileSize = 64 << 20
	// TaskMargin is how many processes (threads, on Linux) beyond those
	// the user already runs a program may bring about (RLIMIT_NPROC counts
	// per user): a fork bomb stops there. It is wide, for Go programs are
	// many threads each and the grader runs many programs at once.
	TaskMargin = 4096
)

// limits returns the limits on a student program, by name (see
// resources), for the launcher.
func limits() map[string]uint64 {
	l := map[string]uint64{"data": DataSize, "nofile": OpenFiles, "fsize": FileSize, "core": 0}
	if n := userTasks(); n > 0 {
		l["nproc"] = uint64(n + TaskMargin)
	}
	return l
}

var resources = map[string]int{
	"data":   syscall.RLIMIT_DATA,
	"nofile": syscall.RLIMIT_NOFILE,
	"fsize":  syscall.RLIMIT_FSIZE,
	"core":   syscall.RLIMIT_CORE,
	"nproc":  unix.RLIMIT_NPROC,
}

// setLimits sets limits on this process, which its children inherit. Best
// effort: a system that refuses a limit still runs the program.
func setLimits(l map[string]uint64) {
	for name, n := range l {
		if resource, ok := resources[name]; ok {
			syscall.Setrlimit(resource, &syscall.Rlimit{Cur: n, Max: n})
		}
	}
}

// userTasks counts the processes of this user, and on Linux their
// threads, as RLIMIT_NPROC does; 0 if it cannot. It counts once: the
// margin covers what comes after.
var userTasks = sync.OnceValue(func() int {
	if n := linuxTasks(); n > 0 {
		return n
	}
	out, err := exec.Command("ps", "-U", strconv.Itoa(os.Getuid()), "-o", "pid=").Output()
	if err != nil {
		return 0
	}
	return bytes.Count(out, []byte("\n"))
})

// linuxTasks counts this user's threads from /proc; 0 where there is none.
func linuxTasks() int {
	dirs, err := filepath.Glob("/proc/[0-9]*/status")
	if err != nil || len(dirs) == 0 {
		return 0
	}
	uid := strconv.Itoa(os.Getuid())
	total := 0
	for _, status := range dirs {
		f, err := os.Open(status)
		if err != nil {
			continue // gone meanwhile
		}
		mine, threads := false, 0
		lines := bufio.NewScanner(f)
		for lines.Scan() {
			fields := strings.Fields(lines.Text())
			switch {
			case len(fields) > 1 && fields[0] == "Uid:":
				mine = fields[1] == uid
			case len(fields) > 1 && fields[0] == "Threads:":
				threads, _ = strconv.Atoi(fields[1])
			}
		}
		f.Close()
		if mine {
			total += threads
		}
	}
	return total
}
