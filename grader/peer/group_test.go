//go:build unix

package peer

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer serves each connection in its own goroutine (or, serial, one
// after the other), answering each line with "echo: LINE". It returns its
// address; it stops with the test.
func echoServer(t *testing.T, serial bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	serve := func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(c, "echo: %s", line); err != nil {
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if serial {
				serve(c)
			} else {
				go serve(c)
			}
		}
	}()
	return ln.Addr().String()
}

func closeAll(conns []*Conn) {
	for _, c := range conns {
		c.Close()
	}
}

func TestTemplateFill(t *testing.T) {
	tm := Template("{addr} #{i}.{j}: {line} {unknown}")
	assert.Equal(t, "127.0.0.1:5: #3.7: hi {unknown}", tm.Fill(3, 7, "hi", "127.0.0.1:5:"))
}

func TestLines(t *testing.T) {
	assert.Equal(t, []string{"a", "", "b"}, Lines([]byte("a\n\nb\nrest"), false))
	assert.Equal(t, []string{"a", "", "b", "rest"}, Lines([]byte("a\n\nb\nrest"), true))
	assert.Empty(t, Lines(nil, true))
	assert.Equal(t, []string{"a"}, Lines([]byte("a\n"), true), "no tail after a last newline")
}

func TestAnswers(t *testing.T) {
	ans := Template("echo: {line}")
	lines := []string{"one", "two"}
	assert.Empty(t, Answers([]byte("echo: one\necho: two\n"), lines, 0, ans, ""))
	assert.Contains(t, Answers([]byte("echo: one\n"), lines, 0, ans, ""), "1 answer(s) for 2 line(s): nothing came for line 2")
	assert.Contains(t, Answers([]byte("echo: one\necho: TWO\n"), lines, 0, ans, ""), `for line 2 "two", the answer "echo: TWO\n"`)
	assert.Contains(t, Answers([]byte("echo: one\necho: tw"), lines, 0, ans, ""), "no newline")
	assert.Contains(t, Answers([]byte("echo: one\necho: two\nextra\n"), lines, 0, ans, ""), `more: "extra\n"`)
	assert.Contains(t, Answers([]byte("x\n"), nil, 0, ans, ""), "more")
	assert.Empty(t, Answers([]byte("echo: two\n"), lines[1:], 1, ans, ""))
	assert.Contains(t, Answers(nil, lines[1:], 1, ans, ""), `nothing came for line 2 "two"`)
}

func TestExchangeConcurrent(t *testing.T) {
	addr := echoServer(t, false)
	ctx := timeout(t, 5*time.Second)
	start := time.Now()
	conns, err := DialGroup(ctx, "tcp", addr, 50, never(t))
	require.NoError(t, err)
	defer closeAll(conns)
	require.Len(t, conns, 50)
	require.NoError(t, Exchange(ctx, conns, 3, "client {i} line {j}", "echo: {line}"))
	assert.Less(t, time.Since(start), time.Second, "50 clients, 3 lines each, well under a second")
	assert.Equal(t, "client 7 line 1\nclient 7 line 2\nclient 7 line 3\n", string(conns[6].Sent()))
	assert.Equal(t, "echo: client 7 line 1\necho: client 7 line 2\necho: client 7 line 3\n", string(conns[6].Received()))
}

func TestExchangeSerialServer(t *testing.T) {
	addr := echoServer(t, true)
	ctx := timeout(t, 5*time.Second)
	conns, err := DialGroup(ctx, "tcp", addr, 5, never(t))
	require.NoError(t, err)
	defer closeAll(conns)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = Exchange(short, conns, 2, "line {j}", "echo: {line}")
	var xe *ExchangeError
	require.ErrorAs(t, err, &xe)
	// The server serves the first client it accepted: the four others wait.
	assert.Equal(t, 1, xe.Line)
	assert.Equal(t, 3, xe.Others)
	assert.Equal(t, 4, xe.Waiting)
	assert.Contains(t, err.Error(), "received nothing, then no answer before the time limit")
}

func TestExchangeWrongAnswer(t *testing.T) {
	addr := echoServer(t, false)
	ctx := timeout(t, 5*time.Second)
	conns, err := DialGroup(ctx, "tcp", addr, 3, never(t))
	require.NoError(t, err)
	defer closeAll(conns)
	err = Exchange(ctx, conns, 1, "line {i}", "ECHO: {line}")
	var xe *ExchangeError
	require.ErrorAs(t, err, &xe)
	assert.Equal(t, 1, xe.Conn)
	assert.Equal(t, 2, xe.Others)
	assert.Equal(t, 0, xe.Waiting)
	assert.Contains(t, err.Error(), `sent "line 1\n" as its line 1 and received "echo: line 1\n"; want "ECHO: line 1\n"`)
}

func TestDialGroupGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = DialGroup(timeout(t, 2*time.Second), "tcp", addr, 3, func() error { return fmt.Errorf("server exited") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "server exited")
}

// lineServer accepts one connection and answers each line with "I got
// your message: LINE", counting them.
func lineServer(t *testing.T) (addr string, answered func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				if !strings.HasSuffix(line, "\n") {
					line += "\n" // text ended by EOF is a line too
				}
				if _, err := c.Write([]byte("I got your message: " + line)); err != nil {
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestFloodStalls checks that a flood whose answers are not read leaves a
// server that answers each line waiting in a write, and that Stalled sees
// it; then that a shutdown stops the flood, and the server answers every
// line written, the last one cut short too.
func TestFloodStalls(t *testing.T) {
	addr, answered := lineServer(t)
	ctx := timeout(t, 5*time.Second)
	c, err := DialFlood(ctx, "tcp", addr, never(t))
	require.NoError(t, err)
	defer c.Close()
	f := StartFlood(ctx, c, "line {j}: some words to make the line longer", 1_000_000)
	require.NoError(t, f.Stalled(ctx))
	assert.False(t, f.Done(), "the server took a million lines")
	// The program has lines to answer it has not read: it cannot answer a
	// million before the grader reads.
	before := answered()
	t.Logf("answered %d lines when the program stopped taking more", before)

	require.NoError(t, c.CloseWrite())
	require.NoError(t, f.Wait(ctx))
	lines := f.Lines(true)
	got, err := c.RecvAll(ctx, 256<<20)
	require.NoError(t, err)
	assert.Empty(t, Answers(got, lines, 0, "I got your message: {line}", ""))
	assert.Greater(t, len(lines), before)
}

func TestFloodAllTaken(t *testing.T) {
	addr, _ := lineServer(t)
	ctx := timeout(t, 5*time.Second)
	c, err := DialFlood(ctx, "tcp", addr, never(t))
	require.NoError(t, err)
	defer c.Close()
	f := StartFlood(ctx, c, "{j}", 100)
	require.NoError(t, f.Stalled(ctx), "100 lines are taken, and the flood ends")
	require.True(t, f.Done())
	assert.Len(t, f.Lines(false), 100)
	assert.Equal(t, "100", f.Lines(false)[99])
}

func TestFloodLinesCut(t *testing.T) {
	f := &Flood{line: "ab{j}", count: 10, sent: len("ab1\nab2\na")}
	assert.Equal(t, []string{"ab1", "ab2", "a"}, f.Lines(true))
	assert.Equal(t, []string{"ab1", "ab2"}, f.Lines(false))
	f.sent = len("ab1\nab2\n")
	assert.Equal(t, []string{"ab1", "ab2"}, f.Lines(true))
}

func TestStalledAfterReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Read(make([]byte, 1)) // resetting before the connect returned could fail the dial
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	ctx := timeout(t, 3*time.Second)
	c, err := DialFlood(ctx, "tcp", ln.Addr().String(), never(t))
	require.NoError(t, err)
	defer c.Close()
	f := StartFlood(ctx, c, "a line that nobody reads", 1_000_000)
	err = f.Stalled(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bytes written, then")
}

func TestListeningAndRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx := timeout(t, 3*time.Second)
	require.NoError(t, Listening(ctx, "tcp", addr, never(t)))

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = Refused(short, "tcp", addr)
	require.Error(t, err, "the listener is open")
	assert.Contains(t, err.Error(), "still accepted connections")

	go func() {
		time.Sleep(50 * time.Millisecond)
		ln.Close()
	}()
	require.NoError(t, Refused(ctx, "tcp", addr))

	gone := func() error { return fmt.Errorf("the server exited") }
	err = Listening(ctx, "tcp", addr, gone)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the server exited")
}

func TestListeningDualStack(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, Listening(timeout(t, 2*time.Second), "tcp", fmt.Sprintf("127.0.0.1:%d", port), never(t)))
}

func TestClosed(t *testing.T) {
	for name, how := range map[string]func(net.Conn){
		"fin":   func(c net.Conn) { c.Close() },
		"reset": func(c net.Conn) { c.(*net.TCPConn).SetLinger(0); c.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			c, other := pair(t, "tcp")
			how(other)
			got, err := c.Closed(timeout(t, 2*time.Second))
			require.NoError(t, err)
			assert.Empty(t, got)
		})
	}
	t.Run("more", func(t *testing.T) {
		c, other := pair(t, "tcp")
		other.Write([]byte("extra"))
		other.Close()
		got, err := c.Closed(timeout(t, 2*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "extra", string(got))
	})
}
