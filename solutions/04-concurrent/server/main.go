// Command server is the reference solution for assignment 04-concurrent: a
// server for many clients at once. Each client sends lines; the server
// prints each line, prefixed by the client's address, and answers it.
//
// Usage: server PORT
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

const (
	// maxLine is the longest line the server takes, newline included.
	maxLine = 1024
	// maxClients is how many clients it serves at once.
	maxClients = 64
	// drainWait is how long a read waits for bytes once the server is
	// shutting down: what the client had sent is there already.
	drainWait = 100 * time.Millisecond
	// shutdownLimit bounds the whole shutdown, so that a client that stops
	// reading cannot hold the server up: the contract gives it 2 s.
	shutdownLimit = 1800 * time.Millisecond
)

// fail prints an error line on stderr and exits with status 1.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// server is what the goroutines serving the clients share.
type server struct {
	mu       sync.Mutex
	conns    map[net.Conn]bool // the clients being served
	draining bool              // shutting down: read only what is there
	clients  sync.WaitGroup

	out sync.Mutex // one line at a time on stdout and stderr
}

// add counts a new client in, unless maxClients are being served already
// or the server is shutting down.
func (s *server) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining || len(s.conns) >= maxClients {
		return false
	}
	s.conns[c] = true
	s.clients.Add(1)
	return true
}

// remove counts a client out once its connection is closed.
func (s *server) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.clients.Done()
}

// isDraining reports whether the server is shutting down.
func (s *server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// println writes one whole line on w, never mixed with another goroutine's.
func (s *server) println(w io.Writer, format string, args ...any) {
	s.out.Lock()
	defer s.out.Unlock()
	fmt.Fprintf(w, format+"\n", args...)
}

// serve answers the lines of one client until it closes, fails, sends a
// line that is too long, or the server shuts down and nothing more is
// there to read.
func (s *server) serve(c net.Conn) {
	defer s.remove(c)
	defer c.Close()
	peer := c.RemoteAddr().String()
	// A buffer of maxLine bytes: ReadSlice fails with ErrBufferFull on a
	// line longer than that.
	r := bufio.NewReaderSize(c, maxLine)
	for {
		if s.isDraining() {
			c.SetReadDeadline(time.Now().Add(drainWait))
		}
		line, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			c.Write([]byte("ERROR line too long\n"))
			return
		case err == io.EOF && len(line) == 0:
			return // the client closed: nothing to report
		case errors.Is(err, os.ErrDeadlineExceeded):
			return // shutting down, and the client sent nothing more
		case err != nil && err != io.EOF:
			s.println(os.Stderr, "ERROR %s: %v", peer, err)
			return
		}
		// A whole line, or the text before EOF, which is a line too.
		text := string(line)
		if text[len(text)-1] == '\n' {
			text = text[:len(text)-1]
		}
		s.println(os.Stdout, "%s: %s", peer, text)
		if _, werr := c.Write([]byte("I got your message: " + text + "\n")); werr != nil {
			// EPIPE or ECONNRESET: this client is gone, the others are not.
			s.println(os.Stderr, "ERROR %s: %v", peer, werr)
			return
		}
		if err == io.EOF {
			return
		}
	}
}

// shutdown closes the listener, so that new clients are refused, and lets
// each connection finish what its client had sent.
func (s *server) shutdown(ln net.Listener) {
	s.mu.Lock()
	s.draining = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	ln.Close()
	for _, c := range conns {
		// Wakes a goroutine waiting in Read; one busy writing sets its own
		// deadline before it reads again.
		c.SetReadDeadline(time.Now().Add(drainWait))
		c.SetWriteDeadline(time.Now().Add(shutdownLimit))
	}
}

func main() {
	if len(os.Args) < 2 {
		fail("ERROR, no port provided")
	}
	ln, err := net.Listen("tcp", ":"+os.Args[1])
	if err != nil {
		fail("ERROR on binding: %v", err)
	}
	s := &server{conns: make(map[net.Conn]bool)}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		s.shutdown(ln)
	}()

	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isDraining() {
				break // the listener was closed to shut down
			}
			fail("ERROR on accept: %v", err)
		}
		if !s.add(c) {
			c.Write([]byte("ERROR server busy\n"))
			c.Close()
			continue
		}
		go s.serve(c)
	}

	// Wait for the connections to drain, but never past the limit.
	done := make(chan struct{})
	go func() {
		s.clients.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(shutdownLimit + 100*time.Millisecond):
	}
}
