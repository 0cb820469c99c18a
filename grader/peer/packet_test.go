//go:build unix

package peer

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRule(t *testing.T) {
	for in, want := range map[string]Rule{
		"drop:up:1":         {Action: "drop", Dir: "up", N: 1},
		"dup:down:2":        {Action: "dup", Dir: "down", N: 2},
		"delay:up:3:250ms":  {Action: "delay", Dir: "up", N: 3, Delay: 250 * time.Millisecond},
		"delay:down:1:1.5s": {Action: "delay", Dir: "down", N: 1, Delay: 1500 * time.Millisecond},
	} {
		got, err := ParseRule(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"drop", "drop:sideways:1", "drop:up:0", "drop:up:x", "dup:up:1:2s", "delay:up:1", "delay:up:1:-1s", "lose:up:1"} {
		_, err := ParseRule(in)
		assert.Error(t, err, in)
	}
}

// TestPacketPeer: a peer takes datagrams in order, answers their sender,
// and counts them.
func TestPacketPeer(t *testing.T) {
	p, err := ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer p.Close()
	c, err := net.Dial("udp", p.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	for _, s := range []string{"one", "two"} {
		_, err := c.Write([]byte(s))
		require.NoError(t, err)
	}
	ctx := timeout(t, 5*time.Second)
	assert.Equal(t, 2, p.Count(ctx, 2))
	d, err := p.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "one", string(d.Data))
	assert.Equal(t, c.LocalAddr().String(), p.Last().String())
	require.NoError(t, p.SendTo([]byte("back"), p.Last()))
	buf := make([]byte, 100)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "back", string(buf[:n]))
	d, err = p.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "two", string(d.Data))
	_, err = p.Recv(timeout(t, 50*time.Millisecond))
	assert.Error(t, err, "no third datagram")
	assert.Contains(t, p.Transcript(), `received 2 datagram(s): "one"`)
}

// TestBound: where the system tells, a bound UDP socket shows, and a
// listening TCP socket.
func TestBound(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	v4, v6, known := Bound("udp", port)
	if !known {
		t.Skip("this system does not tell which sockets are bound")
	}
	assert.True(t, v4)
	assert.False(t, v6)
	_, _, _ = Bound("tcp", port)
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer ln.Close()
	v4, v6, _ = Bound("tcp", ln.Addr().(*net.TCPAddr).Port)
	assert.True(t, v4 || v6, "a dual-stack listener shows in one table or the other")
}

// TestDatagramRelay: the rules apply by direction and index, and the
// relay waits for the server to bind before it sends the first datagram
// on.
func TestDatagramRelay(t *testing.T) {
	// A port for the server, bound only after the client's first datagram.
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	target := probe.LocalAddr().String()
	probe.Close()

	ctx := timeout(t, 5*time.Second)
	r, err := StartDatagramRelay(ctx, "udp", "127.0.0.1:0", target,
		[]Rule{{Action: "drop", Dir: "up", N: 1}, {Action: "dup", Dir: "down", N: 1}}, never(t))
	require.NoError(t, err)
	defer r.Close()
	client, err := net.Dial("udp", r.front.LocalAddr().String())
	require.NoError(t, err)
	defer client.Close()
	client.Write([]byte("lost"))
	client.Write([]byte("kept"))

	time.Sleep(50 * time.Millisecond) // the server starts late: the relay holds on
	server, err := net.ListenPacket("udp", target)
	require.NoError(t, err)
	defer server.Close()
	buf := make([]byte, 100)
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := server.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(buf[:n]), "the first was dropped, the second waited for the server")
	server.WriteTo([]byte("answer"), from)

	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range 2 {
		n, err := client.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "answer", string(buf[:n]), "doubled")
	}
	assert.Equal(t, 2, r.Count(ctx, "up", 2))
	assert.Equal(t, 1, r.Count(ctx, "down", 1))
	assert.Contains(t, r.Transcript(), `"lost" (dropped), "kept" (passed on)`)
	assert.Contains(t, r.Transcript(), `"answer" (passed on twice)`)
}

// TestUntilGiveUp: the context ends ExitSettle after giveUp first says to
// stop, not before, and GaveUp says why; ended otherwise, GaveUp is nil.
func TestUntilGiveUp(t *testing.T) {
	var stop atomic.Bool
	ctx, cancel := UntilGiveUp(timeout(t, 5*time.Second), func() error {
		if stop.Load() {
			return errors.New("client exited with status 2")
		}
		return nil
	})
	defer cancel()
	select {
	case <-ctx.Done():
		t.Fatal("the context ended before giveUp said to stop")
	case <-time.After(5 * PollEvery):
	}
	assert.NoError(t, GaveUp(ctx))
	stop.Store(true)
	asked := time.Now()
	<-ctx.Done()
	assert.GreaterOrEqual(t, time.Since(asked), ExitSettle, "what was sent before the exit has time to arrive")
	assert.EqualError(t, GaveUp(ctx), "client exited with status 2")

	ctx, cancel = UntilGiveUp(context.Background(), func() error { return nil })
	cancel()
	<-ctx.Done()
	assert.NoError(t, GaveUp(ctx), "cancelled, not given up")
	ctx, cancel = UntilGiveUp(timeout(t, 10*time.Millisecond), func() error { return nil })
	defer cancel()
	<-ctx.Done()
	assert.NoError(t, GaveUp(ctx), "the time limit, not given up")
}

// TestPacketPeerGivesUp: a peer waiting for a datagram stops when giveUp
// says no program can send one, with giveUp's reason, but still takes a
// datagram sent just before.
func TestPacketPeerGivesUp(t *testing.T) {
	p, err := ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer p.Close()
	gone := func() error { return errors.New("client exited with status 1") }

	ctx, cancel := UntilGiveUp(timeout(t, 5*time.Second), gone)
	defer cancel()
	start := time.Now()
	_, err = p.Recv(ctx)
	assert.EqualError(t, err, "client exited with status 1")
	assert.Less(t, time.Since(start), 2*time.Second, "not the time limit")

	c, err := net.Dial("udp", p.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("last words"))
	require.NoError(t, err)
	ctx, cancel = UntilGiveUp(timeout(t, 5*time.Second), gone)
	defer cancel()
	d, err := p.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "last words", string(d.Data))
	assert.Equal(t, 1, p.Count(ctx, 2), "Count stops waiting too")
}

// TestEmptyDatagram: an empty datagram is one, received, relayed and
// shown as "" (an empty datagram), not as nothing.
func TestEmptyDatagram(t *testing.T) {
	assert.Equal(t, `"" (an empty datagram)`, QuoteDatagram(nil, 10))
	assert.Equal(t, `"hi"`, QuoteDatagram([]byte("hi"), 10))

	server, err := ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer server.Close()
	ctx := timeout(t, 5*time.Second)
	r, err := StartDatagramRelay(ctx, "udp", "127.0.0.1:0", server.Addr().String(), nil, never(t))
	require.NoError(t, err)
	defer r.Close()
	c, err := net.Dial("udp", r.front.LocalAddr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(nil)
	require.NoError(t, err)

	d, err := server.Recv(ctx)
	require.NoError(t, err)
	assert.Empty(t, d.Data)
	require.NoError(t, server.SendTo(nil, d.Addr))
	buf := make([]byte, 10)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Contains(t, server.Transcript(), `received 1 datagram(s): "" (an empty datagram) (`)
	assert.Equal(t, 1, r.Count(ctx, "down", 1))
	assert.Equal(t, `client to server 1 datagram(s): "" (an empty datagram) (passed on); `+
		`server to client 1 datagram(s): "" (an empty datagram) (passed on)`, r.Transcript())
}

// TestBindPacket: a bind of a datagram port still in use waits a moment
// for it, then gives up with the system's error.
func TestBindPacket(t *testing.T) {
	old, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := old.LocalAddr().String()
	time.AfterFunc(50*time.Millisecond, func() { old.Close() })
	c, err := bindPacket("udp", addr)
	require.NoError(t, err, "bound once the old socket was gone")
	c.Close()

	defer func(d time.Duration) { BindSettle = d }(BindSettle)
	BindSettle = 50 * time.Millisecond
	held, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer held.Close()
	_, err = bindPacket("udp", held.LocalAddr().String())
	assert.ErrorIs(t, err, syscall.EADDRINUSE)
}
