package proc

import "golang.org/x/sys/unix"

// exitedNow reports whether the process pid, a child of ours, has already
// exited, reaped or not: it looks without reaping it (WNOWAIT), so that
// os/exec's Wait still gets its status.
func exitedNow(pid int, _ *Process) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	return err != nil || info.Signo == int32(unix.SIGCHLD)
}
