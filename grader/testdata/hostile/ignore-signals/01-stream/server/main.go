// Hostile fixture ignore-signals: the reference server, except that it
// ignores SIGINT, SIGTERM and SIGHUP, and whenever it exits it leaves behind
// a child that ignores them too and sleeps forever (holding none of its
// files, so the server still looks exited). Its behaviour is the reference's.
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
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// maxMessage is the size of the tutorial's buffer minus the byte C keeps for
// the terminating NUL: a message is at most 255 bytes.
const maxMessage = 255

// fail prints an error line on stderr and exits with status 1, like the
// tutorial's error() (perror + exit).
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	linger()
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

// lingerArg makes the program the lingering child instead.
const lingerArg = "-hostile-linger"

// linger leaves behind a copy of this program that ignores SIGINT, SIGTERM
// and SIGHUP and sleeps forever, in the same process group but holding
// none of this one's files: standard input, output and error are
// /dev/null.
func linger() {
	if exe, err := os.Executable(); err == nil {
		exec.Command(exe, lingerArg).Start()
	}
}

func main() {
	// Hostile: ignore the signals a terminal or a supervisor sends, and leave
	// a child behind at exit.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if len(os.Args) == 2 && os.Args[1] == lingerArg {
		for {
			time.Sleep(time.Hour)
		}
	}
	defer linger()

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
