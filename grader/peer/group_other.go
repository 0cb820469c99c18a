//go:build !linux && !darwin

package peer

// Unacked cannot tell, on this system, how many bytes the other side has
// not acknowledged.
func Unacked(c *Conn) (n int, known bool) { return 0, false }
