package peer

import (
	"fmt"
	"syscall"
)

// rawConn returns the socket under c.
func rawConn(c *Conn) (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("no socket under a %T", c.Conn)
	}
	return sc.SyscallConn()
}
