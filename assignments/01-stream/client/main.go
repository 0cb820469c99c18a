// Command client is the client half of the classic tutorial pair: it
// connects to the server, sends one line read from stdin and prints the
// server's reply. The full contract is in assignments/01-stream/README.md.
//
// Usage: client HOSTNAME PORT
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): unless there are exactly two arguments
	//   (HOSTNAME and PORT: len(os.Args) == 3), print
	//   `usage: client hostname port` on stderr and exit with status 1.
	//   Tip: a helper fail(format, args...) that prints the formatted
	//   message and a newline on stderr, then calls os.Exit(1), keeps the
	//   error handling below short.
	//
	// TODO 2 (gethostbyname()): addrs, err := net.LookupHost(hostname).
	//   It handles names and IPv4/IPv6 literals such as ::1. On error print
	//   `ERROR, no such host` on stderr and exit 1.
	//
	// TODO 3 (socket() + connect()): for each address in addrs, in order,
	//   try conn, err := net.Dial("tcp", net.JoinHostPort(addr, port)) and
	//   stop at the first that succeeds. Use net.JoinHostPort, never
	//   addr+":"+port (IPv6 needs brackets: [::1]:5001). If none connects,
	//   print `ERROR connecting: ` + the last error on stderr and exit 1.
	//
	// TODO 4 (prompt): only now that you are connected, print
	//   `Please enter the message: ` on stdout, without a newline
	//   (fmt.Print, not fmt.Println).
	//
	// TODO 5 (read a line from stdin): read one line from os.Stdin, at most
	//   255 bytes (bufio.NewReader(os.Stdin) helps). A last line without
	//   newline, or empty stdin, counts as the line. Make sure it ends in
	//   '\n' (add one if it does not).
	//
	// TODO 6 (write()): conn.Write the line. On error (broken pipe,
	//   connection reset) print `ERROR writing to socket: ` + err.Error() on
	//   stderr and exit 1.
	//
	// TODO 7 (read() until EOF): call conn.Read in a loop and collect the
	//   reply until io.EOF (the server closed); it may come in several
	//   pieces. EOF before any byte: print `ERROR reading from socket: EOF`
	//   on stderr, exit 1. Any other error: `ERROR reading from socket: `
	//   + err.Error() on stderr, exit 1.
	//
	// TODO 8 (print): print the reply and a newline on stdout, conn.Close(),
	//   and return from main (exit status 0).
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "client: not implemented yet, see assignments/01-stream/README.md")
	os.Exit(2)
}
