//go:build unix

package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendInChunks(t *testing.T) {
	t.Parallel()
	data := make([]byte, 200)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	for _, tc := range []struct {
		chunk int
		gap   time.Duration
	}{{0, 0}, {7, 2 * time.Millisecond}, {1000, time.Second}} {
		t.Run(fmt.Sprintf("chunk=%d,gap=%v", tc.chunk, tc.gap), func(t *testing.T) {
			t.Parallel()
			c, other := pair(t, "tcp")
			type result struct {
				n   int
				err error
			}
			sent := make(chan result, 1)
			begin := time.Now()
			go func() {
				n, err := c.Send(timeout(t, 5*time.Second), data, tc.chunk, tc.gap)
				c.CloseWrite()
				sent <- result{n, err}
			}()
			got, err := readAll(t, other)
			require.NoError(t, err)
			assert.Equal(t, data, got, "arrives intact")
			r := <-sent
			require.NoError(t, r.err)
			assert.Equal(t, len(data), r.n)
			assert.Equal(t, data, c.Sent())
			switch {
			case tc.chunk > 0 && tc.chunk < len(data):
				pieces := (len(data) + tc.chunk - 1) / tc.chunk
				assert.GreaterOrEqual(t, time.Since(begin), time.Duration(pieces-1)*tc.gap, "waits gap between pieces")
			case tc.gap > 0:
				assert.Less(t, time.Since(begin), tc.gap, "one piece: no gap")
			}
		})
	}
}

func TestSendStopsAtDeadlineDuringGap(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	n, err := c.Send(timeout(t, 100*time.Millisecond), []byte("ab"), 1, time.Minute)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, n)
	assert.Equal(t, []byte("a"), c.Sent())
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 10)
	n, err = other.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "a", string(buf[:n]))
}

func TestRecvLineKeepsRest(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	_, err := other.Write([]byte("first\nsecond\nrest"))
	require.NoError(t, err)
	require.NoError(t, other.Close())

	ctx := timeout(t, 5*time.Second)
	line, err := c.RecvLine(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "first\n", string(line))
	line, err = c.RecvLine(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "second\n", string(line))
	rest, err := c.RecvAll(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "rest", string(rest))
	assert.Equal(t, "first\nsecond\nrest", string(c.Received()))
}

func TestRecvReturnsKeptBytesFirst(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	_, err := other.Write([]byte("line\nmore"))
	require.NoError(t, err)
	ctx := timeout(t, 5*time.Second)
	line, err := c.RecvLine(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "line\n", string(line))
	if string(c.Received()) == "line\nmore" { // both came in one read
		got, err := c.Recv(ctx)
		require.NoError(t, err)
		assert.Equal(t, "more", string(got))
	}
}

func TestRecvLineAtEOFWithoutNewline(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	_, err := other.Write([]byte("partial"))
	require.NoError(t, err)
	require.NoError(t, other.Close())

	got, err := c.RecvLine(timeout(t, 5*time.Second), 1024)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "partial", string(got))
	assert.Equal(t, "sent nothing\nreceived \"partial\" then EOF", c.Transcript())

	got, err = c.RecvLine(timeout(t, 5*time.Second), 1024)
	require.ErrorIs(t, err, io.EOF)
	assert.Empty(t, got)
}

func TestRecvLineTooLong(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	_, err := other.Write(bytes.Repeat([]byte("x"), 1000))
	require.NoError(t, err)
	got, err := c.RecvLine(timeout(t, 5*time.Second), 100)
	require.Error(t, err)
	assert.Equal(t, "more than 100 bytes without an end", err.Error())
	assert.Greater(t, len(got), 100)
}

func TestRecvAllUntilEOF(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	want := bytes.Repeat([]byte("0123456789abcdef"), 10000) // several reads
	go func() {
		for p := want; len(p) > 0; p = p[min(len(p), 50000):] {
			other.Write(p[:min(len(p), 50000)])
		}
		other.Close()
	}()
	got, err := c.RecvAll(timeout(t, 5*time.Second), 1<<20)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Len(t, c.Received(), transcriptCap, "the transcript is capped")
}

func TestRecvAllDeadline(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	_, err := other.Write([]byte("x")) // and never closes
	require.NoError(t, err)
	begin := time.Now()
	got, err := c.RecvAll(timeout(t, 200*time.Millisecond), 1024)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Less(t, time.Since(begin), 3*time.Second)
	assert.Equal(t, "x", string(got))
	assert.Equal(t, "no answer before the time limit", Explain(err))
	assert.Equal(t, "sent nothing\nreceived \"x\" then no answer before the time limit", c.Transcript())
}

// The package promises that every blocking call returns when its context
// ends, not only at its deadline.
func TestRecvAllReturnsWhenCancelled(t *testing.T) {
	t.Parallel()
	c, _ := pair(t, "tcp")
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		_, err := c.RecvAll(ctx, 1024)
		result <- err
	}()
	cancel()
	select {
	case err := <-result:
		require.Error(t, err)
	case <-time.After(2 * time.Second):
		c.Close() // unblocks it
		<-result
		t.Fatal("RecvAll did not return when its context was cancelled (only a deadline is honoured)")
	}
}

func TestCloseWrite(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			c, other := pair(t, network)
			ctx := timeout(t, 5*time.Second)
			n, err := c.Send(ctx, []byte("request"), 0, 0)
			require.NoError(t, err)
			assert.Equal(t, 7, n)
			require.NoError(t, c.CloseWrite())

			got, err := readAll(t, other)
			require.NoError(t, err, "the other side reads EOF")
			assert.Equal(t, "request", string(got))
			_, err = other.Write([]byte("reply"))
			require.NoError(t, err, "the other side can still send")
			require.NoError(t, other.Close())

			reply, err := c.RecvAll(ctx, 1024)
			require.NoError(t, err)
			assert.Equal(t, "reply", string(reply))
			assert.Equal(t, "sent \"request\"\nreceived \"reply\" then EOF", c.Transcript())
		})
	}
}

func TestCloseWriteDatagram(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	u, err := net.Dial("udp", pc.LocalAddr().String())
	require.NoError(t, err)
	c := NewConn(u)
	defer c.Close()
	err = c.CloseWrite()
	require.Error(t, err)
	assert.Equal(t, "cannot half-close a udp connection", err.Error())
	require.Error(t, c.Reset())
}

func TestReset(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	require.NoError(t, c.Reset())

	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := other.Read(make([]byte, 10))
	require.ErrorIs(t, err, syscall.ECONNRESET)
	assert.Equal(t, "connection reset by peer", Explain(err))
}

func TestResetUnix(t *testing.T) {
	t.Parallel()
	c, _ := pair(t, "unix")
	err := c.Reset()
	require.Error(t, err)
	assert.Equal(t, "only a TCP connection can be reset", err.Error())
	require.Error(t, c.ResetAndSettle(timeout(t, 5*time.Second)))
}

func TestResetAndSettle(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	begin := time.Now()
	require.NoError(t, c.ResetAndSettle(timeout(t, 5*time.Second)))
	assert.GreaterOrEqual(t, time.Since(begin), ResetSettle)

	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := other.Read(make([]byte, 10))
	require.ErrorIs(t, err, syscall.ECONNRESET)
}

func TestTranscript(t *testing.T) {
	t.Parallel()
	c, other := pair(t, "tcp")
	assert.Equal(t, "sent nothing\nreceived nothing", c.Transcript())

	ctx := timeout(t, 5*time.Second)
	_, err := c.Send(ctx, []byte("hello\n"), 0, 0)
	require.NoError(t, err)
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 6)
	_, err = io.ReadFull(other, buf)
	require.NoError(t, err)
	_, err = other.Write([]byte("world\n"))
	require.NoError(t, err)
	require.NoError(t, other.Close())

	line, err := c.RecvLine(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "world\n", string(line))
	assert.Equal(t, "sent \"hello\\n\"\nreceived \"world\\n\"", c.Transcript(), "no end seen yet")
	_, err = c.RecvAll(ctx, 1024)
	require.NoError(t, err)
	assert.Equal(t, "sent \"hello\\n\"\nreceived \"world\\n\" then EOF", c.Transcript())
}

func TestDatagrams(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	c, err := Dial(timeout(t, 5*time.Second), "udp", pc.LocalAddr().String(), never(t))
	require.NoError(t, err)
	defer c.Close()

	ctx := timeout(t, 5*time.Second)
	n, err := c.Send(ctx, []byte("abcdefg"), 3, 0)
	require.NoError(t, err, "a datagram a piece")
	assert.Equal(t, 7, n)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	for _, want := range []string{"abc", "def", "g"} {
		n, from, err := pc.ReadFrom(buf)
		require.NoError(t, err)
		assert.Equal(t, want, string(buf[:n]))
		assert.Equal(t, c.LocalAddr().String(), from.String())
	}

	for _, d := range []string{"one", "two"} {
		_, err := pc.WriteTo([]byte(d), c.LocalAddr())
		require.NoError(t, err)
	}
	for _, want := range []string{"one", "two"} {
		got, err := c.Recv(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	assert.Equal(t, "onetwo", string(c.Received()))
}

func TestExplain(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{io.EOF, "EOF"},
		{fmt.Errorf("read: %w", io.EOF), "EOF"},
		{os.ErrDeadlineExceeded, "no answer before the time limit"},
		{context.DeadlineExceeded, "no answer before the time limit"},
		{refused, "connection refused"},
		{syscall.EPIPE, "broken pipe"},
		{errors.New("something else"), "something else"},
	} {
		assert.Equal(t, tc.want, Explain(tc.err), "Explain(%v)", tc.err)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "nothing", Quote(nil))
	assert.Equal(t, "nothing", Quote([]byte{}))
	assert.Equal(t, `"a\n\x00"`, Quote([]byte("a\n\x00")))
}
