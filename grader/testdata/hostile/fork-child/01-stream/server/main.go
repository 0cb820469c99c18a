// Hostile fixture fork-child: the reference server, except that once it
// listens it forks a child (a re-exec of itself) that keeps the listening
// socket and the server's standard output and error open, ignores SIGINT,
// SIGTERM and SIGHUP, and sleeps forever.
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

// childArg makes the program the hostile child instead.
const childArg = "-hostile-child"

// child ignores SIGINT, SIGTERM and SIGHUP and sleeps forever, keeping open
// whatever it inherited.
func child() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	for {
		time.Sleep(time.Hour)
	}
}

// forkChild starts a copy of this program as the child, with this one's
// standard output and error and the sockets of files, which it keeps.
func forkChild(files ...interface{ File() (*os.File, error) }) {
	exe, err := os.Executable()
	if err != nil {
		fail("ERROR forking: %v", err)
	}
	cmd := exec.Command(exe, childArg)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	for _, f := range files {
		dup, err := f.File()
		if err != nil {
			fail("ERROR forking: %v", err)
		}
		defer dup.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, dup)
	}
	if err := cmd.Start(); err != nil {
		fail("ERROR forking: %v", err)
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == childArg {
		child()
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

	// Hostile: a child that keeps the listener and the output pipes.
	forkChild(ln.(*net.TCPListener))

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
