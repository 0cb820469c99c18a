package peer

import "golang.org/x/sys/unix"

// Unacked returns how many bytes written on c are still in its send
// buffer, not acknowledged by the other side (SO_NWRITE); known is false
// where the system cannot tell.
func Unacked(c *Conn) (n int, known bool) {
	rc, err := rawConn(c)
	if err != nil {
		return 0, false
	}
	var gerr error
	if err := rc.Control(func(fd uintptr) { n, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_NWRITE) }); err != nil || gerr != nil {
		return 0, false
	}
	return n, true
}
