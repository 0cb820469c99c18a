//go:build unix && !linux

package proc

// exitedNow reports whether the process has already exited. Without
// waitid(WNOWAIT), it can only tell once its output is in too (Exited).
func exitedNow(_ int, p *Process) bool { return p.Exited() }
