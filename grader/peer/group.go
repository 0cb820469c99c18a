package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The grader's side of a server for many clients at once: groups of
// connections that talk at the same time, each with its own lines, a
// connection that floods a server with lines it does not read the answers
// to, and waits on a server's listener that use up none of its clients.

// A Template is a line of a group's conversation, with placeholders: {i}
// is the connection's number in its group (from 1), {j} the line's number
// (from 1), {line} the line the connection sent (in an answer), {addr}
// the connection's own address as Go prints it (127.0.0.1:54321,
// [::1]:54321), which is the program's peer address.
type Template string

// Fill replaces the placeholders of t.
func (t Template) Fill(i, j int, line, addr string) string {
	r := strings.NewReplacer("{i}", strconv.Itoa(i), "{j}", strconv.Itoa(j), "{line}", line, "{addr}", addr)
	return r.Replace(string(t))
}

// DialGroup opens n connections to addr at once, each retrying as Dial
// does until the server listens, and returns them in order (connection 1
// first). On an error it closes those it opened.
func DialGroup(ctx context.Context, network, addr string, n int, giveUp func() error) ([]*Conn, error) {
	conns := make([]*Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { conns[i], errs[i] = Dial(ctx, network, addr, giveUp) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		for i, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, e)
			}
		}
	}
	return conns, nil
}

// An ExchangeError says how one connection of a group went wrong in an
// exchange, and how many others did.
type ExchangeError struct {
	Conn    int    // which connection, from 1
	Addr    string // its address
	Line    int    // which line of the exchange, from 1
	Sent    string // the line it sent
	Want    string // the answer it wanted
	Got     []byte // what it received instead
	Err     error  // how the receive ended, if it did not end with a line
	Others  int    // how many other connections went wrong in that round
	Waiting int    // of all those that went wrong, how many got nothing at the time limit
}

func (e *ExchangeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connection %d (%s) sent %s as its line %d and received ", e.Conn, e.Addr, Quote([]byte(e.Sent)), e.Line)
	switch {
	case e.Err == nil:
		fmt.Fprintf(&b, "%s", QuoteCut(e.Got, 200))
	case len(e.Got) == 0:
		fmt.Fprintf(&b, "nothing, then %s", Explain(e.Err))
	default:
		fmt.Fprintf(&b, "%s, then %s", QuoteCut(e.Got, 200), Explain(e.Err))
	}
	fmt.Fprintf(&b, "; want %s", Quote([]byte(e.Want)))
	if e.Others > 0 {
		fmt.Fprintf(&b, " (and %d other connection(s) went wrong in that round", e.Others)
		if e.Waiting > 0 {
			fmt.Fprintf(&b, ", %d of all of them waiting for an answer at the time limit", e.Waiting)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Exchange has every connection of a group send lines and check the
// answers, round by round: in round j, every connection sends its line j
// (line, filled for it, and a newline), then reads one line, which must
// be exactly answer (filled with that line) and a newline. A round ends
// when every connection has its answer: no connection sends its next line
// before all have been answered, so a server that serves one client at a
// time never finishes the first round. It stops at the first round in
// which a connection went wrong, and tells of the first such connection.
func Exchange(ctx context.Context, conns []*Conn, lines int, line, answer Template) error {
	for j := 1; j <= lines; j++ {
		errs := make([]*ExchangeError, len(conns))
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Go(func() {
				addr := c.LocalAddr().String()
				sent := line.Fill(i+1, j, "", addr)
				want := answer.Fill(i+1, j, sent, addr) + "\n"
				e := &ExchangeError{Conn: i + 1, Addr: addr, Line: j, Sent: sent + "\n", Want: want}
				if _, err := c.Send(ctx, []byte(sent+"\n"), 0, 0); err != nil {
					e.Err = err
					errs[i] = e
					return
				}
				got, err := c.RecvLine(ctx, 64<<10)
				if err != nil || string(got) != want {
					e.Got, e.Err = got, err
					errs[i] = e
				}
			})
		}
		wg.Wait()
		var first *ExchangeError
		bad, waiting := 0, 0
		for _, e := range errs {
			if e == nil {
				continue
			}
			bad++
			if e.Err != nil && len(e.Got) == 0 && isTimeout(e.Err) {
				waiting++
			}
			if first == nil {
				first = e
			}
		}
		if first != nil {
			first.Others, first.Waiting = bad-1, waiting
			if bad == 1 {
				first.Waiting = 0
			}
			return first
		}
	}
	return nil
}

// Lines splits what a connection sent into its lines, without their
// newlines. Text after the last newline is a line too if tail.
func Lines(sent []byte, tail bool) []string {
	var out []string
	for len(sent) > 0 {
		i := bytes.IndexByte(sent, '\n')
		if i < 0 {
			if tail {
				out = append(out, string(sent))
			}
			break
		}
		out = append(out, string(sent[:i]))
		sent = sent[i+1:]
	}
	return out
}

// Taken returns what the grader has taken of what it received on c so
// far: returned by a receive, not kept for the next. ok is false when the
// transcript no longer holds all of it.
func (c *Conn) Taken() (taken []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.received) >= c.limit { // what came may be more than it keeps
		return nil, false
	}
	return bytes.Clone(c.received[:len(c.received)-len(c.unread)]), true
}

// Answers checks what a connection received against the answers its lines
// want, in order: exactly one line answer (filled with each line) for each
// of lines, and nothing else. The first of lines is line first+1 ({j}). It
// says what went wrong, or "".
func Answers(got []byte, lines []string, first int, answer Template, addr string) string {
	rest := got
	for j, l := range lines {
		want := answer.Fill(0, first+j+1, l, addr) + "\n"
		if !bytes.HasPrefix(rest, []byte(want)) {
			i := bytes.IndexByte(rest, '\n')
			switch {
			case len(rest) == 0:
				return fmt.Sprintf("%d answer(s) for %d line(s): nothing came for line %d %s; want %s",
					j, len(lines), first+j+1, Quote([]byte(l)), Quote([]byte(want)))
			case i < 0:
				return fmt.Sprintf("for line %d %s, %s and no newline; want %s",
					first+j+1, Quote([]byte(l)), QuoteCut(rest, 200), Quote([]byte(want)))
			}
			return fmt.Sprintf("for line %d %s, the answer %s; want %s",
				first+j+1, Quote([]byte(l)), QuoteCut(rest[:i+1], 200), Quote([]byte(want)))
		}
		rest = rest[len(want):]
	}
	if len(rest) > 0 {
		return fmt.Sprintf("after the %d answer(s) wanted, more: %s", len(lines), QuoteCut(rest, 200))
	}
	return ""
}

// FloodRecvBuf, FloodSendBuf and FloodMSS shape a flooding connection: a
// receive buffer as small as the system allows, a small send buffer (so
// that what the grader has written and the program has not taken stays
// small) and a small segment size. They are set before the connection
// opens, so that the program's side learns them from the handshake: its
// system then keeps less of the answers the grader does not read (Linux
// sizes a connection's send buffer by its segment size), and a server that
// answers every line soon waits in a write, with lines still unread.
const (
	FloodRecvBuf = 4096
	FloodSendBuf = 16384
	FloodMSS     = 256
)

// DialFlood dials as Dial does, a connection shaped for flooding (see
// FloodRecvBuf).
func DialFlood(ctx context.Context, network, addr string, giveUp func() error) (*Conn, error) {
	return dialWith(ctx, network, addr, giveUp, &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			// Best effort: a system that refuses keeps its own sizes.
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, FloodRecvBuf)
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, FloodSendBuf)
			syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, FloodMSS)
		})
	}})
}

// A Flood is lines written in the background on a connection that does
// not read what comes back, until all are out, the connection is shut
// down, reset or closed, or the scenario ends.
type Flood struct {
	c     *Conn
	line  Template
	count int
	done  chan struct{}

	mu   sync.Mutex
	sent int // bytes written
	err  error
}

// floodChunk is how much a Flood writes at a time.
const floodChunk = 16 << 10

// StartFlood writes count lines, line filled with {j} from 1 and a
// newline, on c in the background, made as it goes.
func StartFlood(ctx context.Context, c *Conn, line Template, count int) *Flood {
	f := &Flood{c: c, line: line, count: count, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		var chunk []byte
		for j := 1; j <= count; j++ {
			chunk = append(chunk, line.Fill(0, j, "", "")+"\n"...)
			if len(chunk) < floodChunk && j < count {
				continue
			}
			n, err := c.Send(ctx, chunk, 0, 0)
			f.mu.Lock()
			f.sent += n
			f.err = err
			f.mu.Unlock()
			if err != nil {
				return
			}
			chunk = chunk[:0]
		}
	}()
	return f
}

// Done reports whether the flood stopped writing.
func (f *Flood) Done() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Wait waits until the flood stops writing, or ctx ends.
func (f *Flood) Wait(ctx context.Context) error {
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Lines returns the lines the flood wrote so far: the last, if cut, too
// when tail.
func (f *Flood) Lines(tail bool) []string {
	f.mu.Lock()
	sent := f.sent
	f.mu.Unlock()
	var out []string
	for j := 1; j <= f.count && sent > 0; j++ {
		l := f.line.Fill(0, j, "", "")
		if sent <= len(l) {
			if tail && sent > 0 {
				out = append(out, l[:sent])
			}
			break
		}
		out = append(out, l)
		sent -= len(l) + 1
	}
	return out
}

// stalledPolls is how many looks in a row, PollEvery apart, must find
// bytes the program's system has not acknowledged for Stalled to take the
// program for not reading: on a loopback a system that has room
// acknowledges at once.
const stalledPolls = 4

// Stalled waits until the program stops taking the flood: the grader
// still has lines to write, and its system holds bytes the program's has
// not acknowledged (its receive buffer is full: the program does not
// read). A program that takes every line ends the wait too, when the
// flood has written them all and they are acknowledged. Where the system
// cannot tell what is unacknowledged, the flood ending is the only sign.
func (f *Flood) Stalled(ctx context.Context) error {
	seen := 0
	for {
		n, known := Unacked(f.c)
		switch {
		case f.Done():
			f.mu.Lock()
			err := f.err
			f.mu.Unlock()
			if err != nil {
				return fmt.Errorf("%d bytes written, then %s", f.sentBytes(), Explain(err))
			}
			if !known || n == 0 {
				return nil
			}
		case known && n > 0:
			if seen++; seen >= stalledPolls {
				return nil
			}
		default:
			seen = 0
		}
		if err := pause(ctx, PollEvery); err != nil {
			return fmt.Errorf("%d bytes written, %d of them not taken by the program, and it still took more when the time was up",
				f.sentBytes(), n)
		}
	}
}

func (f *Flood) sentBytes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent
}

// Listening waits until a program listens on addr (network tcp, tcp4 or
// tcp6), as the system shows it: without connecting, so that a server
// that serves a fixed number of clients counts none. Where the system
// cannot tell, it connects once it can (see Dial) and closes that
// connection at once. It gives up when giveUp returns an error or ctx
// ends.
func Listening(ctx context.Context, network, addr string, giveUp func() error) error {
	transport, port, ip, ok := inetAddr(network, addr)
	if !ok || transport != "tcp" {
		return fmt.Errorf("cannot tell who listens on %s %s", network, addr)
	}
	for {
		v4, v6, known := Bound(transport, port)
		if !known {
			c, err := Dial(ctx, network, addr, giveUp)
			if err != nil {
				return err
			}
			return c.Close()
		}
		// An IPv4 address is served by an IPv4 listener, or by a
		// dual-stack one (Go's ":PORT"), which the system lists as IPv6.
		if v6 || (v4 && (ip == nil || ip.To4() != nil)) {
			return nil
		}
		if stop := giveUp(); stop != nil {
			return stop
		}
		if err := pause(ctx, PollEvery); err != nil {
			return errors.New("nothing listened before the time limit")
		}
	}
}

// Refused waits until a connection to addr is refused: nothing listens
// there any more. A connection that opens meanwhile is closed at once.
func Refused(ctx context.Context, network, addr string) error {
	var d net.Dialer
	opened := 0
	for {
		c, err := d.DialContext(ctx, network, addr)
		switch {
		case err == nil:
			opened++
			c.Close()
		case notListening(err):
			return nil
		case ctx.Err() != nil, isTimeout(err):
		case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED):
			// A connection the listener had queued when it closed.
		default:
			return fmt.Errorf("connecting failed with %s, not refused", Explain(err))
		}
		if err := pause(ctx, PollEvery); err != nil {
			return fmt.Errorf("the program still accepted connections at the time limit (%d opened while the grader waited)", opened)
		}
	}
}

// Closed waits until the other side closes the connection, normally (EOF)
// or with a reset, and checks nothing more came before.
func (c *Conn) Closed(ctx context.Context) ([]byte, error) {
	got, err := c.RecvAll(ctx, 64<<10)
	if err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		return got, nil
	}
	return got, err
}
