// Command server is the reference solution for assignment 03-unix: the
// tutorial's server over a Unix-domain stream socket. It listens at a path
// of the file system, reads one message, prints it and answers "I got your
// message", as the 01-stream server does, and removes its socket file
// whenever it exits.
//
// Usage: server PATH
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// maxMessage is the size of the tutorial's buffer minus the byte C keeps for
// the terminating NUL: a message is at most 255 bytes.
const maxMessage = 255

// The socket file this server made, removed whenever it exits: a socket
// file outlives the process that bound it. bound is "" until the bind
// succeeds; mu keeps a signal's cleanup from slipping between the bind and
// recording it.
var (
	mu    sync.Mutex
	bound string
)

// removeSocketFile unlinks the socket file this server bound, if it bound
// one: never a file that was there before (a live server's socket, a
// regular file).
func removeSocketFile() {
	mu.Lock()
	defer mu.Unlock()
	if bound != "" {
		os.Remove(bound)
		bound = ""
	}
}

// fail prints an error line on stderr, removes the socket file and exits
// with status 1, like the tutorial's error() (perror + exit) with unlink().
func fail(format string, args ...any) {
	removeSocketFile()
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// bindOwnerOnly binds and listens at path with the umask set so that the
// socket file is made with mode 0600 (0777 less the umask 0177): only its
// owner may connect, from the first moment a client could.
func bindOwnerOnly(path string) (net.Listener, error) {
	old := syscall.Umask(0o177)
	defer syscall.Umask(old)
	return net.Listen("unix", path)
}

// stale reports whether path is a socket file that nobody listens on, as a
// server that crashed leaves one: a connect to it is refused. A live
// server's socket accepts the connect (the probe costs it nothing but an
// accept of a connection already closed), and a file that is not a socket
// is not ours to remove.
func stale(path string) bool {
	info, err := os.Lstat(path)
	if err != nil || info.Mode().Type() != os.ModeSocket {
		return false
	}
	probe, err := net.Dial("unix", path)
	if err == nil {
		probe.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// listen binds the Unix stream socket at path. When the path is taken by a
// stale socket file, it removes that file and binds again.
func listen(path string) (net.Listener, error) {
	ln, err := bindOwnerOnly(path)
	if errors.Is(err, syscall.EADDRINUSE) && stale(path) {
		os.Remove(path)
		ln, err = bindOwnerOnly(path)
	}
	return ln, err
}

// readMessage reads from conn up to and including the first newline, or up
// to EOF, at most maxMessage bytes. It returns the message without its
// newline. A stream socket is a byte stream, not a message stream: a Read
// returns whatever has arrived so far (possibly a single byte), so we loop.
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
	if len(os.Args) < 2 {
		fail("ERROR, no path provided")
	}
	path := os.Args[1]

	// SIGINT (Ctrl-C) and SIGTERM end the server cleanly: socket file
	// removed, exit 0. Caught from before the bind, so that a signal that
	// comes right after it finds the handler in place.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		removeSocketFile()
		os.Exit(0)
	}()

	// socket(AF_UNIX, SOCK_STREAM) + bind() + listen() in one call.
	mu.Lock()
	ln, err := listen(path)
	if err == nil {
		bound = path
	}
	mu.Unlock()
	if err != nil {
		fail("ERROR on binding: %v", err) // in use, not a socket, too long, ...
	}

	conn, err := ln.Accept()
	if err != nil {
		fail("ERROR on accept: %v", err)
	}

	msg, err := readMessage(conn)
	if err != nil {
		fail("ERROR reading from socket: %v", err)
	}
	fmt.Printf("Here is the message: %s\n", msg)

	if _, err := conn.Write([]byte("I got your message")); err != nil {
		fail("ERROR writing to socket: %v", err)
	}

	// close() + unlink(). (Closing a listener that net.Listen made removes
	// its file too, in Go; C's close() does not.)
	conn.Close()
	removeSocketFile()
	ln.Close()
}
