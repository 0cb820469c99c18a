// Command client talks to the queue daemon: it sends one command, taken
// from its arguments, or each line of its standard input, and prints the
// answers. The full contract is in assignments/05-mqueue/README.md.
//
// Usage:
//
//	client HOSTNAME PORT [COMMAND...]
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (arguments, gethostbyname(), connect()): as in 01-stream, with
	//   at least two arguments: usage, `ERROR, no such host`,
	//   `ERROR connecting: <reason>`.
	//
	// TODO 2 (one request, one answer): write a helper that sends a line
	//   and its newline, then reads the answer up to its newline (one
	//   bufio.Reader on the connection for the whole run: it may have read
	//   ahead). The connection closed before a whole answer:
	//   `ERROR reading from socket: EOF`; other errors as in 04. All exit 1.
	//
	// TODO 3 (a command in the arguments): the words after PORT, joined by
	//   single spaces (strings.Join), are one request. Print its answer on
	//   stdout and exit 0; an answer beginning with ERR goes to stderr, and
	//   the exit status is 1.
	//
	// TODO 4 (commands on stdin): otherwise read stdin line by line and
	//   send each line, printing each answer (as in TODO 3) before you send
	//   the next: a GET that waits holds the ones after it. After BYE, or at
	//   the end of the input, stop; exit 1 if an answer was an ERR.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "client: not implemented yet, see assignments/05-mqueue/README.md")
	os.Exit(2)
}
