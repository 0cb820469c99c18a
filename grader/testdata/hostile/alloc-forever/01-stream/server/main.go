// Hostile fixture alloc-forever: the reference server, except that it first
// allocates memory without end, so it never listens: the grader's memory
// limit (RLIMIT_DATA, 1 GiB) stops it with "out of memory". The memory is
// not touched, so that the test does not need a GiB per server.
//
// Command server is the reference solution for assignment 01-stream: the
// server half of the classic tutorial pair. It accepts one TCP connection,
// reads one message, prints it and answers "I got your message".
//
// Usage: server PORT
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
)

// maxMessage is the size of the tutorial's buffer minus the byte C keeps for
// the terminating NUL: a message is at most 255 bytes.
const maxMessage = 255

// fail prints an error line on stderr and exits with status 1, like the
// tutorial's error() (perror + exit).
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// readMessage reads from conn up to and including the first newline, or up
// to EOF, at most maxMessage bytes. It returns the message without its
// newline. TCP is a byte stream, not a message stream: a Read returns
// whatever has arrived so far (possibly a single byte), so we loop.
func readMessage(conn net.Conn) (string, error) {
	buf := make([]byte, maxMessage)
	n := 0
	for n < len(buf) {
		m, err := conn.Read(buf[n:])
		if i := bytes.IndexByte(buf[n:n+m], '\n'); i >= 0 {
			return string(buf[:n+i]), nil
		}
		n += m
		if err == io.EOF && n > 0 {
			break // the peer closed after sending a message without newline
		}
		if err != nil {
			return "", err // io.EOF here means the peer closed before sending anything
		}
	}
	return string(buf[:n]), nil
}

func main() {
	// Hostile: allocate without end.
	var hoard [][]byte
	for len(hoard) >= 0 { // forever, but the compiler cannot tell
		hoard = append(hoard, make([]byte, 64<<20))
	}
	if len(os.Args) < 2 {
		fail("ERROR, no port provided")
	}

	// socket() + bind() + listen() in one call. ":PORT" means every local
	// address, and the "tcp" network is dual-stack: IPv4 and IPv6.
	ln, err := net.Listen("tcp", ":"+os.Args[1])
	if err != nil {
		fail("ERROR on binding: %v", err) // e.g. "address already in use"
	}

	// accept() blocks until a client connects and returns a new connected
	// socket; the listener stays open for further clients (we want just one).
	conn, err := ln.Accept()
	if err != nil {
		fail("ERROR on accept: %v", err)
	}

	msg, err := readMessage(conn)
	if err != nil {
		fail("ERROR reading from socket: %v", err)
	}
	fmt.Printf("Here is the message: %s\n", msg)

	// Go ignores SIGPIPE on sockets: writing to a peer that has gone away
	// returns an error (EPIPE, ECONNRESET) instead of killing the process.
	if _, err := conn.Write([]byte("I got your message")); err != nil {
		fail("ERROR writing to socket: %v", err)
	}

	// close(): the client sees EOF after our reply.
	conn.Close()
	ln.Close()
}
