// Command client is the reference solution for assignment 03-unix: the
// tutorial's client over a Unix-domain stream socket. It connects to the
// server's socket file, sends one line read from stdin and prints the
// server's reply.
//
// Usage: client PATH
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
)

// maxMessage is the largest message the server accepts, newline included.
const maxMessage = 255

// fail prints an error line on stderr and exits with status 1, like the
// tutorial's error() (perror + exit).
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// readLine reads one line from r and returns it ending in exactly one
// newline, at most maxMessage bytes in all. A last line without newline, or
// empty input, counts as the line.
func readLine(r io.Reader) string {
	in := bufio.NewReader(r)
	var line []byte
	for len(line) < maxMessage-1 {
		b, err := in.ReadByte()
		if err != nil || b == '\n' {
			break
		}
		line = append(line, b)
	}
	return string(line) + "\n"
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: client path")
	}

	// socket(AF_UNIX, SOCK_STREAM) + connect() in one call. No such file,
	// a socket file nobody listens on (connection refused), a file that is
	// not a socket, no permission: each is an error, at once.
	conn, err := net.Dial("unix", os.Args[1])
	if err != nil {
		fail("ERROR connecting: %v", err)
	}

	fmt.Print("Please enter the message: ")
	line := readLine(os.Stdin)

	// Go ignores SIGPIPE on sockets: writing to a server that has gone away
	// returns an error (EPIPE) instead of killing the process.
	if _, err := conn.Write([]byte(line)); err != nil {
		fail("ERROR writing to socket: %v", err)
	}

	// The reply may arrive in several pieces: read until EOF, which means
	// the server closed the connection.
	var reply []byte
	buf := make([]byte, 256)
	for {
		n, err := conn.Read(buf)
		reply = append(reply, buf[:n]...)
		if err == io.EOF && len(reply) > 0 {
			break
		}
		if err != nil {
			fail("ERROR reading from socket: %v", err)
		}
	}
	fmt.Printf("%s\n", reply)
	conn.Close()
}
