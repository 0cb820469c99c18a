// Command server serves many clients at once: each client sends lines, and
// the server prints each line, prefixed by the client's address, and
// answers it. The full contract is in assignments/04-concurrent/README.md.
//
// Usage: server PORT
package main

import (
	"fmt"
	"os"
)

// The limits of the contract.
const (
	lineLimit   = 1024 // bytes in a line, its newline counted
	clientLimit = 64   // clients served at the same time
)

func main() {
	// TODO 1 (arguments, socket() + bind() + listen()): as in 01-stream:
	//   no PORT is `ERROR, no port provided`, a failed net.Listen on
	//   ":"+PORT is `ERROR on binding: <reason>`; both on stderr, exit 1.
	//
	// TODO 2 (shared state): the goroutines that serve the clients share a
	//   few things; keep them in one struct with a sync.Mutex: the open
	//   connections (a map[net.Conn]bool counts them for the busy limit and
	//   lists them for the shutdown), and whether the server is shutting
	//   down. Lock the mutex only to look at or change these, never while
	//   you wait for a client.
	//
	// TODO 3 (signals): signal.Notify on a channel for syscall.SIGINT and
	//   syscall.SIGTERM; a goroutine waits on it, then shuts down (TODO 7).
	//
	// TODO 4 (accept() in a loop): for each connection ln.Accept returns:
	//   - with clientLimit clients being served already, write
	//     "ERROR server busy\n" on it, close it, and accept the next one;
	//   - otherwise count it in and serve it in its own goroutine:
	//     go serve(conn). The accept loop must never wait for a client.
	//   When Accept fails because you closed the listener to shut down
	//   (errors.Is(err, net.ErrClosed)), leave the loop; another failure is
	//   `ERROR on accept: <reason>`, exit 1.
	//
	// TODO 5 (serve one client): read lines with a bufio.Reader of exactly
	//   lineLimit bytes and ReadSlice('\n'):
	//   - a line: print "<peer>: <line>\n" on stdout in one call (peer is
	//     conn.RemoteAddr().String()), then write
	//     "I got your message: <line>\n" on the connection;
	//   - bufio.ErrBufferFull: the line is too long: write
	//     "ERROR line too long\n" and stop;
	//   - io.EOF: the client is done; text before it is a last line;
	//   - any other read error, or a failed write (connection reset, broken
	//     pipe): print "ERROR <peer>: <err>" on stderr and stop.
	//   Stopping means: close the connection, count the client out. Never
	//   exit the program for one client's error.
	//
	// TODO 6 (stdout): a line printed by one goroutine must never be cut by
	//   another's: one write per line, or a mutex around the printing.
	//
	// TODO 7 (shutdown, on SIGINT or SIGTERM): mark the server as shutting
	//   down and close the listener at once. For each open connection set a
	//   short read deadline (some 100 ms from now: it wakes a goroutine
	//   waiting in a read) and a write deadline (so a client that does not
	//   read cannot hold you up); a goroutine that sees the server shutting
	//   down sets a new short read deadline before each read, so it answers
	//   what is already there and stops at the first timeout. Then wait for
	//   the connections to close (a sync.WaitGroup), but never much more
	//   than 1.8 s, and return from main: exit 0, all within 2 s.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "server: not implemented yet, see assignments/04-concurrent/README.md")
	os.Exit(2)
}
