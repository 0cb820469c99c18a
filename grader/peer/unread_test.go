package peer

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTaken: Unread counts the bytes a program has not read yet, and
// Taken waits until it has read them; before, it waits to its time limit,
// or gives up when told to.
func TestTaken(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Unread reads /proc/net here; on macOS it asks netstat")
	}
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	c := NewConn(nc)
	defer c.Close()
	program := <-accepted
	defer program.Close()

	ctx := context.Background()
	never := func() error { return nil }
	_, err = c.Send(ctx, []byte("slo"), 0, 0)
	require.NoError(t, err)
	n, known := Unread(c)
	require.True(t, known)
	assert.Equal(t, 3, n, "sent, not read")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	assert.ErrorContains(t, Taken(short, c, never), "did not read 3 bytes")
	assert.ErrorContains(t, Taken(ctx, c, func() error { return errors.New("server exited") }), "server exited")

	buf := make([]byte, 3)
	_, err = program.Read(buf)
	require.NoError(t, err)
	assert.NoError(t, Taken(ctx, c, never))
	n, _ = Unread(c)
	assert.Zero(t, n)
}
