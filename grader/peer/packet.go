package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxDatagram is the largest datagram the grader's sockets read whole.
const maxDatagram = 65536

// PeerBudget bounds the bytes of datagrams a peer or a datagram relay
// keeps, whatever a program floods it with: past it, datagrams are
// counted, not kept.
const PeerBudget = 8 << 20

// A Datagram is one datagram a socket of the grader's received or sent.
type Datagram struct {
	Addr net.Addr // where it came from, or went to
	Data []byte
}

// A PacketPeer is a datagram socket of the grader's, bound to an address:
// it receives every datagram sent to it, in the background, and keeps
// them in order, to be taken one by one (Recv), counted, or answered
// (SendTo the sender). A peer that is never asked to answer is silent: it
// reads and discards, where a port with nothing bound would answer with
// ICMP, which differs between systems.
type PacketPeer struct {
	conn net.PacketConn

	mu       sync.Mutex
	received []Datagram
	dropped  int      // datagrams past PeerBudget, counted and not kept
	kept     int      // bytes kept
	next     int      // the first datagram not taken by Recv
	last     net.Addr // the sender of the last datagram taken
	sent     []Datagram
	arrived  chan struct{} // closed and replaced when a datagram arrives
	err      error         // why reading stopped
}

// ListenPacket binds a datagram socket on addr and starts receiving.
func ListenPacket(network, addr string) (*PacketPeer, error) {
	c, err := bindPacket(network, addr)
	if err != nil {
		return nil, err
	}
	p := &PacketPeer{conn: c, arrived: make(chan struct{})}
	go p.read()
	return p, nil
}

func (p *PacketPeer) read() {
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		p.mu.Lock()
		switch {
		case err != nil:
			p.err = err
		case p.kept+n > PeerBudget:
			p.dropped++
		default:
			p.received = append(p.received, Datagram{from, bytes.Clone(buf[:n])})
			p.kept += n
		}
		close(p.arrived)
		p.arrived = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// BindSettle is how long bindPacket tries again while a datagram port
// the grader leased is still in use.
var BindSettle = time.Second

// bindPacket binds a datagram socket on addr. The port is one the
// scenario leased, so a socket still on it is one on its way out: under
// heavy load gVisor was seen to keep a closed UDP socket, owned by no
// process, on a port a moment after the port's lease moved on (3 times in
// 5600 scenarios). It tries again every PollEvery for BindSettle while
// the address is in use.
func bindPacket(network, addr string) (net.PacketConn, error) {
	deadline := time.Now().Add(BindSettle)
	for {
		c, err := net.ListenPacket(network, addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return c, err
		}
		time.Sleep(PollEvery)
	}
}

// Addr is the address the peer is bound to.
func (p *PacketPeer) Addr() net.Addr { return p.conn.LocalAddr() }

// Close stops the peer.
func (p *PacketPeer) Close() error { return p.conn.Close() }

// Recv takes the next datagram the peer has received, waiting for one
// until ctx ends. Its sender becomes the one Last returns. If UntilGiveUp
// ended ctx, the error is giveUp's.
func (p *PacketPeer) Recv(ctx context.Context) (Datagram, error) {
	for {
		p.mu.Lock()
		if p.next < len(p.received) {
			d := p.received[p.next]
			p.next++
			p.last = d.Addr
			p.mu.Unlock()
			return d, nil
		}
		arrived, err := p.arrived, p.err
		p.mu.Unlock()
		if err != nil {
			return Datagram{}, err
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			if stop := GaveUp(ctx); stop != nil {
				return Datagram{}, stop
			}
			return Datagram{}, errors.New("no datagram came before the time limit")
		}
	}
}

// Last returns the sender of the last datagram Recv took, or nil.
func (p *PacketPeer) Last() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Count returns how many datagrams the peer has received, after waiting
// until it has at least atLeast or ctx ends.
func (p *PacketPeer) Count(ctx context.Context, atLeast int) int {
	for {
		p.mu.Lock()
		n, arrived := len(p.received)+p.dropped, p.arrived
		p.mu.Unlock()
		if n >= atLeast {
			return n
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return n
		}
	}
}

// SendTo sends data as one datagram to addr.
func (p *PacketPeer) SendTo(data []byte, addr net.Addr) error {
	_, err := p.conn.WriteTo(data, addr)
	p.mu.Lock()
	p.sent = append(p.sent, Datagram{addr, bytes.Clone(data)})
	p.mu.Unlock()
	return err
}

// Transcript describes what the peer received and sent, a datagram each.
func (p *PacketPeer) Transcript() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("received %s; sent %s", datagrams(p.received), datagrams(p.sent))
}

// QuoteDatagram is QuoteCut for a datagram, where no bytes is a datagram
// too, an empty one: it shows as "" (an empty datagram).
func QuoteDatagram(b []byte, n int) string {
	if len(b) == 0 {
		return `"" (an empty datagram)`
	}
	return QuoteCut(b, n)
}

// datagrams lists datagrams for a transcript, each with its address.
func datagrams(ds []Datagram) string {
	if len(ds) == 0 {
		return "nothing"
	}
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s (%v)", QuoteDatagram(d.Data, 200), d.Addr))
	}
	return fmt.Sprintf("%d datagram(s): %s", len(ds), strings.Join(parts, ", "))
}

// ExitSettle is how long a wait for datagrams goes on once every program
// that could send them has exited (see UntilGiveUp): what a program sent
// just before it exited may still be on its way to the grader's socket.
var ExitSettle = 100 * time.Millisecond

// gaveUp is the cause with which UntilGiveUp ends a context: giveUp's
// error.
type gaveUp struct{ err error }

func (g gaveUp) Error() string { return g.err.Error() }

// UntilGiveUp returns a context that ends with ctx, or ExitSettle after
// giveUp first returns an error (typically: every program of the scenario
// has exited, so no datagram can come any more); GaveUp then returns that
// error. It asks giveUp every PollEvery. A wait for a datagram that
// cannot come then ends at once, not at the time limit.
func UntilGiveUp(ctx context.Context, giveUp func() error) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		for pause(ctx, PollEvery) == nil {
			if stop := giveUp(); stop != nil {
				if pause(ctx, ExitSettle) == nil {
					cancel(gaveUp{stop})
				}
				return
			}
		}
	}()
	return ctx, func() { cancel(nil) }
}

// GaveUp returns giveUp's error if UntilGiveUp ended ctx because of it,
// or nil.
func GaveUp(ctx context.Context) error {
	var g gaveUp
	if errors.As(context.Cause(ctx), &g) {
		return g.err
	}
	return nil
}

// dialDatagram connects a datagram socket to addr once a program has bound
// its port, as far as the system shows (Bound): a datagram sent earlier
// would be lost, and the scenario's count of them wrong. It tries again
// every PollEvery until ctx ends or giveUp says to stop; to an IPv6
// address it gives up IPv4OnlyGrace after it sees the port bound over
// IPv4 only. Where the system cannot tell, it connects at once.
func dialDatagram(ctx context.Context, network, addr string, giveUp func() error) (*Conn, error) {
	if err := waitBound(ctx, network, addr, giveUp); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return NewConn(c), nil
}

// waitBound waits until a socket is bound on addr's port over addr's
// family (see dialDatagram).
func waitBound(ctx context.Context, network, addr string, giveUp func() error) error {
	transport, port, ip, ok := inetAddr(network, addr)
	if !ok || transport != "udp" {
		return nil
	}
	v6 := ip != nil && ip.To4() == nil
	var v4Only time.Time
	for {
		has4, has6, known := Bound(transport, port)
		switch {
		case !known, v6 && has6, !v6 && (has4 || has6):
			return nil
		case v6 && has4 && v4Only.IsZero():
			v4Only = time.Now()
		case v6 && has4 && time.Since(v4Only) >= IPv4OnlyGrace:
			return fmt.Errorf("the program is bound to port %d over IPv4 only, so nothing receives on %s: "+
				"a server for IPv4 and IPv6 binds both", port, addr)
		}
		if stop := giveUp(); stop != nil {
			return fmt.Errorf("%w (nothing bound to port %d)", stop, port)
		}
		if err := pause(ctx, PollEvery); err != nil {
			return fmt.Errorf("nothing was bound to port %d before the time limit", port)
		}
	}
}
