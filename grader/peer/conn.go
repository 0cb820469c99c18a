// Package peer is the grader's side of a conversation with a student
// program: connections that record what they sent and received, a dialer
// that waits for a server to come up without using up its accept, a
// listener, and a relay that sits between two student programs.
//
// Every blocking call takes a context and returns when it ends, so a
// student program that never answers costs a scenario its timeout, never
// the grader its run.
package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// transcriptCap is how many bytes of each direction a Conn remembers.
const transcriptCap = 64 << 10

// A Conn is a connection of the grader's, stream or datagram, that keeps a
// transcript of both directions for feedback.
type Conn struct {
	net.Conn
	limit  int           // bytes of each direction the transcript keeps
	budget *atomic.Int64 // if not nil, bytes it may still keep, shared with other connections

	mu        sync.Mutex
	sent      []byte
	received  []byte
	truncated bool   // the transcript dropped bytes past limit
	unread    []byte // received from the network, not yet returned by a Recv
	ended     string // how the other side ended the conversation, if it did
}

// NewConn wraps c.
func NewConn(c net.Conn) *Conn { return &Conn{Conn: c, limit: transcriptCap} }

// Truncated reports whether more passed than the transcript keeps.
func (c *Conn) Truncated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.truncated
}

// Sent returns what the grader sent so far.
func (c *Conn) Sent() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.sent)
}

// Received returns what the grader received so far.
func (c *Conn) Received() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.received)
}

// Transcript describes the conversation in one line per direction.
func (c *Conn) Transcript() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := fmt.Sprintf("sent %s\nreceived %s", Quote(c.sent), Quote(c.received))
	if c.ended != "" {
		s += " then " + c.ended
	}
	return s
}

func (c *Conn) record(dst *[]byte, p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := min(len(p), c.limit-len(*dst))
	if c.budget != nil {
		left := c.budget.Add(-int64(keep)) + int64(keep) // what the budget had left before
		keep = max(0, min(keep, int(left)))
	}
	*dst = append(*dst, p[:keep]...)
	c.truncated = c.truncated || keep < len(p)
}

// Send writes data in pieces of chunk bytes (all at once when chunk <= 0),
// waiting gap between pieces, and returns how many bytes went out. On a
// datagram socket each piece is one datagram.
func (c *Conn) Send(ctx context.Context, data []byte, chunk int, gap time.Duration) (int, error) {
	defer c.watch(ctx, c.SetWriteDeadline)()
	if chunk <= 0 {
		chunk = max(len(data), 1)
	}
	if len(data) == 0 && c.datagram() {
		// An empty datagram is a message too.
		_, err := c.Write(nil)
		return 0, err
	}
	sent := 0
	for sent < len(data) {
		if sent > 0 && gap > 0 {
			if err := pause(ctx, gap); err != nil {
				return sent, err
			}
		}
		piece := data[sent:min(sent+chunk, len(data))]
		n, err := c.Write(piece)
		c.record(&c.sent, piece[:n])
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// datagram reports whether c is a datagram socket, where each write is one
// datagram.
func (c *Conn) datagram() bool {
	_, ok := c.Conn.(net.PacketConn)
	return ok
}

// RecvLine reads up to and including the first newline. At EOF it returns
// what came before it and io.EOF. It gives up after max bytes without a
// newline.
func (c *Conn) RecvLine(ctx context.Context, max int) ([]byte, error) {
	return c.recvUntil(ctx, max, func(b []byte) int {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return i + 1
		}
		return -1
	})
}

// RecvAll reads until the other side closes (EOF) and returns everything,
// with a nil error at EOF. It gives up after max bytes.
func (c *Conn) RecvAll(ctx context.Context, max int) ([]byte, error) {
	got, err := c.recvUntil(ctx, max, func([]byte) int { return -1 })
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return got, err
}

// recvUntil reads until split reports where a complete answer ends, the
// stream ends (io.EOF), or more than max bytes have come. Bytes past the
// answer are kept for the next call.
func (c *Conn) recvUntil(ctx context.Context, max int, split func([]byte) int) ([]byte, error) {
	defer c.watch(ctx, c.SetReadDeadline)()
	got := c.takeUnread()
	buf := make([]byte, 4096)
	for eof := false; ; {
		if n := split(got); n >= 0 {
			c.keepUnread(got[n:])
			return got[:n], nil
		}
		if eof {
			return got, io.EOF
		}
		if len(got) > max {
			return got, fmt.Errorf("more than %d bytes without an end", max)
		}
		n, err := c.Read(buf)
		c.record(&c.received, buf[:n])
		got = append(got, buf[:n]...)
		switch {
		case errors.Is(err, io.EOF):
			c.setEnded("EOF")
			eof = true
		case err != nil:
			c.setEnded(Explain(err))
			return got, err
		}
	}
}

// Recv returns the next datagram, or whatever one read of a stream returns.
func (c *Conn) Recv(ctx context.Context) ([]byte, error) {
	defer c.watch(ctx, c.SetReadDeadline)()
	if got := c.takeUnread(); len(got) > 0 {
		return got, nil
	}
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	c.record(&c.received, buf[:n])
	return buf[:n], err
}

func (c *Conn) takeUnread() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.unread
	c.unread = nil
	return got
}

func (c *Conn) keepUnread(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unread = bytes.Clone(b)
}

func (c *Conn) setEnded(how string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended == "" {
		c.ended = how
	}
}

// watch makes ctx bound the I/O that follows on c: its deadline becomes
// the connection's (through set), and its cancellation interrupts it. Call
// the function it returns when the I/O is done.
func (c *Conn) watch(ctx context.Context, set func(time.Time) error) (done func()) {
	d, _ := ctx.Deadline() // the zero time means no deadline
	set(d)
	stop := context.AfterFunc(ctx, func() { set(time.Unix(1, 0)) })
	return func() { stop() }
}

// CloseWrite half-closes a stream: the other side reads EOF, and can still
// send (shutdown(SHUT_WR)).
func (c *Conn) CloseWrite() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("cannot half-close a %s connection", c.LocalAddr().Network())
	}
	return cw.CloseWrite()
}

// Reset closes a TCP connection with a reset (RST) instead of the orderly
// FIN: SO_LINGER with a zero timeout, then close.
func (c *Conn) Reset() error {
	tc, ok := c.Conn.(*net.TCPConn)
	if !ok {
		return fmt.Errorf("only a TCP connection can be reset")
	}
	if err := tc.SetLinger(0); err != nil {
		return err
	}
	return tc.Close()
}

// ResetSettle is how long ResetAndSettle gives a reset to reach the other
// socket. Linux handles a loopback reset before close returns; gVisor's
// network stack hands it to the other socket a moment later, and nothing
// outside that socket can tell when.
var ResetSettle = 100 * time.Millisecond

// ResetAndSettle resets the connection, then waits ResetSettle (or until
// ctx ends), so that the other side's next write or read sees the reset
// on every network stack.
func (c *Conn) ResetAndSettle(ctx context.Context) error {
	if err := c.Reset(); err != nil {
		return err
	}
	pause(ctx, ResetSettle)
	return nil
}

// Explain turns a network error into the short phrase a student meets in
// socket texts: "connection reset by peer", "broken pipe", "EOF", ...
func Explain(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return ""
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "no answer before the time limit"
	case errors.As(err, &errno):
		return errno.Error()
	}
	return err.Error()
}

// Quote shows bytes as a Go string literal, so that newlines and other
// invisible bytes show.
func Quote(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	return fmt.Sprintf("%q", b)
}

// QuoteCut is Quote for bytes that a program sent or printed, which can
// be long: past n bytes it shows the first n and says how many there were.
func QuoteCut(b []byte, n int) string {
	if len(b) <= n {
		return Quote(b)
	}
	return fmt.Sprintf("%q… (%d bytes in all)", b[:n], len(b))
}

// pause waits for d or until ctx ends. It paces timed sends; it never
// stands in for waiting on a program.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
