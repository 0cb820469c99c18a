package peer

import "golang.org/x/sys/unix"

// Unacked returns how many bytes written on c the other side has not
// acknowledged yet (SIOCOUTQ); known is false where the system cannot
// tell.
func Unacked(c *Conn) (n int, known bool) {
	rc, err := rawConn(c)
	if err != nil {
		return 0, false
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
		return 0, false
	}
	return n, true
}
