// Command client is the UDP client of the classic tutorial pair: it sends
// one line read from stdin to the server as one datagram, sends it again
// while no reply comes, and prints the server's reply. The full contract is
// in assignments/02-datagram/README.md.
//
// Usage: client HOSTNAME PORT
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): with anything but two arguments, print a
	//   line beginning with `usage` (usage: client hostname port) on stderr
	//   and exit 1.
	//
	// TODO 2 (gethostbyname()): resolve the host name as in 01-stream;
	//   when that fails, `ERROR, no such host` on stderr, exit 1. Take the
	//   first address: UDP has no handshake to tell which address answers.
	//
	// TODO 3 (socket() + connect()): net.Dial with the network "udp". It
	//   sends nothing: it fixes where each Write goes, and the system then
	//   drops every datagram that does not come from that address. On
	//   error: `ERROR writing to socket: ` then the error, exit 1.
	//
	// TODO 4 (prompt, then a line): print `Please enter the message: `
	//   (no newline) on stdout and read one line from stdin. The newline
	//   is not part of the message; more than 1024 bytes are cut to 1024;
	//   an empty line is an empty message.
	//
	// TODO 5 (send, wait, send again): up to 5 times: Write the message as
	//   one datagram (on error: `ERROR writing to socket: ` + the error,
	//   exit 1), set a read deadline 500 ms ahead (SetReadDeadline), and
	//   Read until a datagram comes or the deadline passes. A timeout
	//   (errors.Is(err, os.ErrDeadlineExceeded)) means lost: go round
	//   again. Any other read error ("connection refused") means lost too,
	//   but keep reading until this round's deadline.
	//
	// TODO 6 (print): on the first reply, print it and a newline on
	//   stdout and return from main (exit status 0); a copy of it arriving
	//   later is never read. After the 5th wait with no reply:
	//   `ERROR, no reply from server` on stderr, exit 1.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "client: not implemented yet, see assignments/02-datagram/README.md")
	os.Exit(2)
}
