//go:build unix

package peer

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startRelay starts a relay on a fresh address of network towards target
// and closes it at the end of the test.
func startRelay(t *testing.T, ctx context.Context, network, target string, giveUp func() error) *Relay {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = sockPath(t)
	}
	r, err := StartRelay(ctx, network, addr, target, giveUp)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// client connects to the relay.
func client(t *testing.T, r *Relay) net.Conn {
	t.Helper()
	c, err := net.Dial(r.ln.Addr().Network(), r.ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// readN reads exactly n bytes from c, for a few seconds at most.
func readN(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, n)
	_, err := io.ReadFull(c, buf)
	require.NoError(t, err)
	return string(buf)
}

func TestRelayServerListensLate(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			var target string
			var listen func() (net.Listener, error)
			if network == "tcp" {
				target, listen = unlistened(t)
			} else {
				target = sockPath(t)
				listen = func() (net.Listener, error) { return net.Listen("unix", target) }
			}
			// The server listens once the relay's dial was refused, which
			// is after the client connected.
			giveUp, lns := listenWhenCalled(t, listen)
			ctx := timeout(t, 5*time.Second)
			r := startRelay(t, ctx, network, target, giveUp)
			assert.Equal(t, "no client connected", r.Transcript())

			cl := client(t, r)
			_, err := cl.Write([]byte("hello\n"))
			require.NoError(t, err)

			srv := acceptOne(t, listener(t, lns))
			assert.Equal(t, "hello\n", readN(t, srv, 6))
			_, err = srv.Write([]byte("echo: hello\n"))
			require.NoError(t, err)
			require.NoError(t, srv.Close())

			got, err := readAll(t, cl)
			require.NoError(t, err, "the server's close reaches the client as EOF")
			assert.Equal(t, "echo: hello\n", string(got))
			require.NoError(t, cl.Close())

			s, err := r.Wait(ctx)
			require.NoError(t, err)
			require.NotNil(t, s)
			assert.Equal(t, "hello\n", string(s.Up()))
			assert.Equal(t, "echo: hello\n", string(s.Down()))
			assert.NoError(t, s.Err())
			assert.Equal(t, `client sent "hello\n", server sent "echo: hello\n"`, r.Transcript())
		})
	}
}

func TestRelayHalfClose(t *testing.T) {
	t.Parallel()
	for _, who := range []string{"client", "server"} {
		t.Run(who+" first", func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			ctx := timeout(t, 5*time.Second)
			r := startRelay(t, ctx, "tcp", ln.Addr().String(), never(t))
			cl := client(t, r)
			_, err = cl.Write([]byte("abc"))
			require.NoError(t, err)
			srv := acceptOne(t, ln)
			assert.Equal(t, "abc", readN(t, srv, 3))

			first, second := cl, srv
			if who == "server" {
				first, second = srv, cl
			}
			require.NoError(t, first.(*net.TCPConn).CloseWrite())
			got, err := readAll(t, second)
			require.NoError(t, err, "EOF passed through")
			assert.Empty(t, got)
			_, err = second.Write([]byte("xyz"))
			require.NoError(t, err, "the other direction stays open")
			require.NoError(t, second.Close())
			got, err = readAll(t, first)
			require.NoError(t, err)
			assert.Equal(t, "xyz", string(got), "the half-closed side still receives")
			require.NoError(t, first.Close())

			s, err := r.Wait(ctx)
			require.NoError(t, err)
			up, down := "abcxyz", ""
			if who == "client" {
				up, down = "abc", "xyz"
			}
			assert.Equal(t, up, string(s.Up()))
			assert.Equal(t, down, string(s.Down()))
		})
	}
}

func TestRelayReset(t *testing.T) {
	t.Parallel()
	for _, who := range []string{"client", "server"} {
		t.Run(who+" resets", func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			ctx := timeout(t, 5*time.Second)
			r := startRelay(t, ctx, "tcp", ln.Addr().String(), never(t))
			cl := client(t, r)
			_, err = cl.Write([]byte("x"))
			require.NoError(t, err)
			srv := acceptOne(t, ln)
			assert.Equal(t, "x", readN(t, srv, 1), "the relay is connected both ways")

			resetter, other := cl, srv
			if who == "server" {
				resetter, other = srv, cl
			}
			require.NoError(t, NewConn(resetter).Reset())
			other.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = other.Read(make([]byte, 10))
			require.ErrorIs(t, err, syscall.ECONNRESET, "a reset passes as a reset")

			s, err := r.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, "x", string(s.Up()))
		})
	}
}

func TestRelayGivesUp(t *testing.T) {
	t.Parallel()
	target, _ := unlistened(t)
	exited := errors.New("the server exited with status 1")
	ctx := timeout(t, 5*time.Second)
	r := startRelay(t, ctx, "tcp", target, func() error { return exited })
	cl := client(t, r)

	got, err := readAll(t, cl)
	require.NoError(t, err, "the relay closes the client's connection")
	assert.Empty(t, got)
	s, err := r.Wait(ctx)
	require.Error(t, err)
	require.NotNil(t, s)
	assert.ErrorIs(t, err, exited)
	assert.ErrorIs(t, s.Err(), exited)
	assert.Contains(t, err.Error(), "the relay could not reach the server")
	assert.Nil(t, s.Down())
	assert.Contains(t, r.Transcript(), "client sent nothing, server sent nothing (the relay could not reach the server: ")
	assert.Contains(t, r.Transcript(), "the server exited with status 1")
}

func TestRelayWaitDeadline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := startRelay(t, timeout(t, 5*time.Second), "tcp", ln.Addr().String(), never(t))

	s, err := r.Wait(timeout(t, 50*time.Millisecond))
	require.Error(t, err)
	assert.Nil(t, s)
	assert.Equal(t, "no client connected to the relay before the time limit", err.Error())

	client(t, r)
	acceptOne(t, ln)
	s, err = r.Wait(timeout(t, 50*time.Millisecond))
	require.Error(t, err)
	assert.NotNil(t, s)
	assert.Equal(t, "the relayed conversation did not end before the time limit", err.Error())
}

func TestRelayEndsWithContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startRelay(t, ctx, "tcp", ln.Addr().String(), never(t))
	cl := client(t, r)
	_, err = cl.Write([]byte("x"))
	require.NoError(t, err)
	srv := acceptOne(t, ln)
	assert.Equal(t, "x", readN(t, srv, 1))

	cancel()
	s, err := r.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err, "the session ends with the relay's context")
	assert.Equal(t, "x", string(s.Up()))
	_, err = readAll(t, cl)
	assert.False(t, isTimeout(err), "the client's connection is closed: %v", err)
}

func TestRelayClose(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := startRelay(t, timeout(t, 5*time.Second), "tcp", ln.Addr().String(), never(t))
	cl := client(t, r)
	_, err = cl.Write([]byte("x"))
	require.NoError(t, err)
	srv := acceptOne(t, ln)
	assert.Equal(t, "x", readN(t, srv, 1))

	require.NoError(t, r.Close())
	s, err := r.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err, "Close ends the session")
	assert.Equal(t, "x", string(s.Up()))
	_, err = readAll(t, srv)
	assert.False(t, isTimeout(err), "the server's connection is closed: %v", err)
	_, err = net.Dial("tcp", r.ln.Addr().String())
	assert.Error(t, err, "the relay no longer listens")
}

// TestRelayBounds: a relay takes MaxSessions clients at most, closing the
// others at once, and records RelayBudget bytes in all.
func TestRelayBounds(t *testing.T) {
	ctx := timeout(t, 10*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() { // a server that swallows everything
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	r := startRelay(t, ctx, "tcp", ln.Addr().String(), never(t))
	var conns []net.Conn
	for range MaxSessions + 3 {
		c := client(t, r)
		conns = append(conns, c)
	}
	big := make([]byte, 1<<20)
	for _, c := range conns[:MaxSessions] {
		c.Write(big)
	}
	require.Eventually(t, func() bool {
		return strings.Contains(r.Transcript(), "3 more clients closed at once")
	}, 5*time.Second, 10*time.Millisecond)
	for _, c := range conns {
		c.Close()
	}
	require.Eventually(t, func() bool { return r.budget.Load() <= 0 }, 5*time.Second, 10*time.Millisecond,
		"32 MiB sent, 8 MiB recorded at most")
	recorded := 0
	r.mu.Lock()
	for _, s := range r.sessions {
		recorded += len(s.Up())
	}
	r.mu.Unlock()
	assert.LessOrEqual(t, recorded, RelayBudget)
}
