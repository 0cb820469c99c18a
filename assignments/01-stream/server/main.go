// Command server is the server half of the classic tutorial pair: it accepts
// one TCP connection, reads one message, prints it and answers
// "I got your message". The full contract is in
// assignments/01-stream/README.md.
//
// Usage: server PORT
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): if PORT (os.Args[1]) is missing, print
	//   `ERROR, no port provided` on stderr and exit with status 1.
	//   Tip: a helper fail(format, args...) that prints the formatted
	//   message and a newline on stderr, then calls os.Exit(1), keeps the
	//   error handling below short.
	//
	// TODO 2 (socket() + bind() + listen()): ln, err := net.Listen("tcp", ":"+port).
	//   ":"+port listens on every local address, IPv4 and IPv6.
	//   On error print `ERROR on binding: ` + err.Error() on stderr and exit 1
	//   at once (no retry).
	//
	// TODO 3 (accept()): conn, err := ln.Accept() waits for one client.
	//   On error print `ERROR on accept: ` + err.Error() on stderr, exit 1.
	//
	// TODO 4 (read() in a loop): read the message with conn.Read: the bytes up
	//   to and including the first '\n', or up to EOF, at most 255 bytes.
	//   A Read returns whatever has arrived (maybe a single byte), so call it
	//   in a loop until you have seen a '\n', hit EOF or filled 255 bytes.
	//   EOF (io.EOF) before any byte: print `ERROR reading from socket: EOF`
	//   on stderr, exit 1. Any other error: `ERROR reading from socket: `
	//   + err.Error() on stderr, exit 1.
	//
	// TODO 5 (print): print `Here is the message: ` followed by the message
	//   without its trailing newline, and a newline, on stdout
	//   (fmt.Printf with the verb %s).
	//
	// TODO 6 (write()): conn.Write([]byte("I got your message")) — exactly
	//   those 18 bytes, nothing more. On error print
	//   `ERROR writing to socket: ` + err.Error() on stderr, exit 1.
	//
	// TODO 7 (close()): conn.Close() and ln.Close(), then return from main
	//   (exit status 0).
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "server: not implemented yet, see assignments/01-stream/README.md")
	os.Exit(2)
}
