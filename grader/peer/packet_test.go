//go:build unix

package peer

import (
	"net"
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
