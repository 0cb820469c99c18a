//go:build unix

package peer

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDialRetriesUntilListening(t *testing.T) {
	t.Parallel()
	t.Run("tcp", func(t *testing.T) {
		t.Parallel()
		addr, listen := unlistened(t)
		giveUp, lns := listenWhenCalled(t, listen)
		c, err := Dial(timeout(t, 5*time.Second), "tcp", addr, giveUp)
		require.NoError(t, err)
		defer c.Close()
		talk(t, c, acceptOne(t, listener(t, lns)))
	})
	t.Run("unix", func(t *testing.T) {
		t.Parallel()
		path := sockPath(t) // no such file until it listens
		giveUp, lns := listenWhenCalled(t, func() (net.Listener, error) { return net.Listen("unix", path) })
		c, err := Dial(timeout(t, 5*time.Second), "unix", path, giveUp)
		require.NoError(t, err)
		defer c.Close()
		talk(t, c, acceptOne(t, listener(t, lns)))
	})
}

func TestDialLaterListener(t *testing.T) {
	t.Parallel()
	addr, listen := unlistened(t)
	lns := make(chan net.Listener, 1)
	timer := time.AfterFunc(50*time.Millisecond, func() {
		ln, _ := listen()
		lns <- ln
	})
	defer timer.Stop()
	var refused atomic.Int32
	bound := never(t)
	c, err := Dial(timeout(t, 5*time.Second), "tcp", addr, func() error { refused.Add(1); return bound() })
	require.NoError(t, err)
	defer c.Close()
	assert.Greater(t, refused.Load(), int32(1), "tried again while refused")
	ln := <-lns
	require.NotNil(t, ln)
	defer ln.Close()
	talk(t, c, acceptOne(t, ln))
}

// talk checks that c and other are the two ends of one connection.
func talk(t *testing.T, c *Conn, other net.Conn) {
	t.Helper()
	assert.Equal(t, c.LocalAddr().String(), other.RemoteAddr().String())
	n, err := c.Send(timeout(t, 5*time.Second), []byte("ping"), 0, 0)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	require.NoError(t, c.CloseWrite())
	got, err := readAll(t, other)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(got))
}

func TestDialStopsOnGiveUp(t *testing.T) {
	t.Parallel()
	addr, _ := unlistened(t)
	exited := errors.New("the server exited with status 1")
	var calls atomic.Int32
	giveUp := func() error {
		if calls.Add(1) < 3 {
			return nil
		}
		return exited
	}
	c, err := Dial(timeout(t, 5*time.Second), "tcp", addr, giveUp)
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, exited)
	assert.Contains(t, err.Error(), "the server exited with status 1")
	assert.Contains(t, err.Error(), "connection refused")
	assert.Equal(t, int32(3), calls.Load())
}

func TestDialStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		addr, _ := unlistened(t)
		var calls atomic.Int32
		bound := never(t)
		begin := time.Now()
		c, err := Dial(timeout(t, 150*time.Millisecond), "tcp", addr, func() error { calls.Add(1); return bound() })
		require.Error(t, err)
		assert.Nil(t, c)
		assert.Less(t, time.Since(begin), 3*time.Second)
		assert.Greater(t, calls.Load(), int32(1))
		assert.True(t, strings.Contains(err.Error(), "before the time limit") || isTimeout(err), "%v", err)
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		path := sockPath(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		bound := never(t)
		c, err := Dial(ctx, "unix", path, func() error { cancel(); return bound() })
		require.Error(t, err)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), "before the time limit")
	})
}

func TestDialOtherErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	// A Unix socket path under a regular file: ENOTDIR, not "not yet".
	path := sockPath(t)
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	c, err := Dial(timeout(t, 5*time.Second), "unix", path+"/below", func() error {
		t.Error("giveUp called for an error that is not a refusal")
		return errors.New("stop")
	})
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, syscall.ENOTDIR)
}

func TestAccept(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = sockPath(t)
			}
			ln, err := Listen(network, addr)
			require.NoError(t, err)
			defer ln.Close()

			// Dialled after a few polls of Accept.
			dialed := make(chan net.Conn, 1)
			timer := time.AfterFunc(30*time.Millisecond, func() {
				d, _ := net.Dial(network, ln.Addr().String())
				dialed <- d
			})
			defer timer.Stop()
			c, err := ln.Accept(timeout(t, 5*time.Second), never(t))
			require.NoError(t, err)
			defer c.Close()
			other := <-dialed
			require.NotNil(t, other)
			defer other.Close()

			_, err = other.Write([]byte("hi"))
			require.NoError(t, err)
			require.NoError(t, other.(interface{ CloseWrite() error }).CloseWrite())
			got, err := c.RecvAll(timeout(t, 5*time.Second), 100)
			require.NoError(t, err)
			assert.Equal(t, "hi", string(got))
		})
	}
}

func TestAcceptStops(t *testing.T) {
	t.Parallel()
	t.Run("giveUp", func(t *testing.T) {
		t.Parallel()
		ln, err := Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		exited := errors.New("the client exited")
		var calls atomic.Int32
		c, err := ln.Accept(timeout(t, 5*time.Second), func() error {
			if calls.Add(1) < 3 {
				return nil
			}
			return exited
		})
		require.ErrorIs(t, err, exited)
		assert.Nil(t, c)
		assert.Equal(t, int32(3), calls.Load())
	})
	t.Run("ctx", func(t *testing.T) {
		t.Parallel()
		ln, err := Listen("unix", sockPath(t))
		require.NoError(t, err)
		defer ln.Close()
		begin := time.Now()
		c, err := ln.Accept(timeout(t, 100*time.Millisecond), never(t))
		require.Error(t, err)
		assert.Nil(t, c)
		assert.Equal(t, "no connection came before the time limit", err.Error())
		assert.GreaterOrEqual(t, time.Since(begin), 100*time.Millisecond)
		assert.Less(t, time.Since(begin), 3*time.Second)

		// The listener still works after a timed-out Accept.
		go func() {
			if d, err := net.Dial("unix", ln.Addr().String()); err == nil {
				d.Close()
			}
		}()
		c, err = ln.Accept(timeout(t, 5*time.Second), never(t))
		require.NoError(t, err)
		c.Close()
	})
}

func TestHold(t *testing.T) {
	t.Parallel()
	t.Run("tcp", func(t *testing.T) {
		t.Parallel()
		h, err := Hold("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := h.(net.Listener).Addr().String()
		_, err = net.Listen("tcp", addr)
		require.ErrorIs(t, err, syscall.EADDRINUSE)
		require.NoError(t, h.Close())
		ln, err := net.Listen("tcp", addr)
		require.NoError(t, err, "free again once closed")
		ln.Close()
	})
	t.Run("udp", func(t *testing.T) {
		t.Parallel()
		h, err := Hold("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer h.Close()
		pc, ok := h.(net.PacketConn)
		require.True(t, ok, "a datagram socket, bound")
		_, err = net.ListenPacket("udp", pc.LocalAddr().String())
		require.ErrorIs(t, err, syscall.EADDRINUSE)
	})
	t.Run("unix", func(t *testing.T) {
		t.Parallel()
		path := sockPath(t)
		h, err := Hold("unix", path)
		require.NoError(t, err)
		defer h.Close()
		_, err = net.Listen("unix", path)
		require.ErrorIs(t, err, syscall.EADDRINUSE)
	})
}
