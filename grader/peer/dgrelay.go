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
	"time"
)

// A Rule is what a datagram relay does to one datagram, chosen by its
// direction and its index in that direction, never at random: a scenario
// of loss or duplication plays the same every time.
type Rule struct {
	Action string        // "drop", "dup" (deliver it twice) or "delay"
	Dir    string        // "up" (client to server) or "down" (server to client)
	N      int           // the datagram's index in its direction, from 1
	Delay  time.Duration // for delay
}

// ParseRule reads a rule written ACTION:DIR:N, or delay:DIR:N:DURATION:
// "drop:up:1", "dup:down:1", "delay:up:2:300ms".
func ParseRule(s string) (Rule, error) {
	parts := strings.Split(s, ":")
	bad := fmt.Errorf("%q: want drop:DIR:N, dup:DIR:N or delay:DIR:N:DURATION, DIR up or down", s)
	if len(parts) < 3 {
		return Rule{}, bad
	}
	r := Rule{Action: parts[0], Dir: parts[1]}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 || (r.Dir != "up" && r.Dir != "down") {
		return Rule{}, bad
	}
	r.N = n
	switch {
	case (r.Action == "drop" || r.Action == "dup") && len(parts) == 3:
	case r.Action == "delay" && len(parts) == 4:
		if r.Delay, err = time.ParseDuration(parts[3]); err != nil || r.Delay <= 0 {
			return Rule{}, bad
		}
	default:
		return Rule{}, bad
	}
	return r, nil
}

// A DatagramRelay stands between a student's datagram client and its
// server. The client sends to the relay's own address, bound before the
// client starts; the relay sends on to the server from a socket of its
// own, once the server has bound its port (so the first datagram is not
// lost to a server still starting), and sends the server's answers back
// to the client. Its rules drop, double or delay datagrams by direction
// and index; it records every datagram and what it did with it.
type DatagramRelay struct {
	front   net.PacketConn // the client's side
	network string
	target  string
	rules   []Rule
	ctx     context.Context
	giveUp  func() error

	mu      sync.Mutex
	client  net.Addr
	back    net.Conn // the server's side, once it is bound
	up      []relayed
	down    []relayed
	kept    int           // bytes recorded, up to PeerBudget
	arrived chan struct{} // closed and replaced when a datagram arrives
}

// A relayed datagram, and what the relay did with it.
type relayed struct {
	data []byte
	fate string
}

// StartDatagramRelay binds listenAddr and relays datagrams between the
// client that sends there and target, by the rules, until ctx ends or
// Close.
func StartDatagramRelay(ctx context.Context, network, listenAddr, target string, rules []Rule, giveUp func() error) (*DatagramRelay, error) {
	front, err := bindPacket(network, listenAddr)
	if err != nil {
		return nil, err
	}
	r := &DatagramRelay{front: front, network: network, target: target, rules: rules, ctx: ctx, giveUp: giveUp,
		arrived: make(chan struct{})}
	go r.upward()
	return r, nil
}

// Close stops the relay.
func (r *DatagramRelay) Close() error {
	err := r.front.Close()
	r.mu.Lock()
	back := r.back
	r.mu.Unlock()
	if back != nil {
		back.Close()
	}
	return err
}

// rule returns the rule for the n-th datagram in dir, or none.
func (r *DatagramRelay) rule(dir string, n int) (Rule, bool) {
	for _, rl := range r.rules {
		if rl.Dir == dir && rl.N == n {
			return rl, true
		}
	}
	return Rule{}, false
}

// record adds a datagram to a direction's record and returns its index
// there, from 1, and where its fate goes.
func (r *DatagramRelay) record(dir string, data []byte) (int, *string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := &r.up
	if dir == "down" {
		list = &r.down
	}
	if r.kept+len(data) > PeerBudget {
		data = nil // counted, not recorded
	}
	r.kept += len(data)
	*list = append(*list, relayed{data: bytes.Clone(data), fate: "passed on"})
	close(r.arrived)
	r.arrived = make(chan struct{})
	return len(*list), &(*list)[len(*list)-1].fate
}

// setFate records what became of a datagram.
func (r *DatagramRelay) setFate(fate *string, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*fate = s
}

// deliver applies the rule for the n-th datagram of dir to it: send sends
// it once.
func (r *DatagramRelay) deliver(dir string, n int, fate *string, send func() error) {
	rl, ok := r.rule(dir, n)
	switch {
	case ok && rl.Action == "drop":
		r.setFate(fate, "dropped")
		return
	case ok && rl.Action == "delay":
		r.setFate(fate, "passed on after "+rl.Delay.String())
		go func() {
			if pause(r.ctx, rl.Delay) == nil {
				send()
			}
		}()
		return
	}
	if err := send(); err != nil {
		r.setFate(fate, "not delivered: "+Explain(err))
		return
	}
	if ok && rl.Action == "dup" {
		r.setFate(fate, "passed on twice")
		send()
	}
}

func (r *DatagramRelay) upward() {
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := r.front.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		data := bytes.Clone(buf[:n])
		r.mu.Lock()
		r.client = from
		r.mu.Unlock()
		i, fate := r.record("up", data)
		back, err := r.backConn()
		if err != nil {
			r.setFate(fate, "not delivered: "+err.Error())
			continue
		}
		r.deliver("up", i, fate, func() error { _, err := back.Write(data); return err })
	}
}

// backConn returns the socket toward the server, made once the server has
// bound its port; the first time, it starts passing the server's answers
// back.
func (r *DatagramRelay) backConn() (net.Conn, error) {
	r.mu.Lock()
	back := r.back
	r.mu.Unlock()
	if back != nil {
		return back, nil
	}
	if err := waitBound(r.ctx, r.network, r.target, r.giveUp); err != nil {
		return nil, fmt.Errorf("the relay could not reach the server: %w", err)
	}
	var d net.Dialer
	back, err := d.DialContext(r.ctx, r.network, r.target)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.back = back
	r.mu.Unlock()
	go r.downward(back)
	return back, nil
}

func (r *DatagramRelay) downward(back net.Conn) {
	buf := make([]byte, maxDatagram)
	for {
		n, err := back.Read(buf)
		if err != nil {
			if r.ctx.Err() != nil || isClosed(err) {
				return
			}
			continue // a refusal (ICMP) from a server gone: not a datagram
		}
		data := bytes.Clone(buf[:n])
		i, fate := r.record("down", data)
		r.mu.Lock()
		client := r.client
		r.mu.Unlock()
		r.deliver("down", i, fate, func() error { _, err := r.front.WriteTo(data, client); return err })
	}
}

// Count returns how many datagrams came the direction dir ("up" or
// "down"), after waiting until at least atLeast have or ctx ends.
func (r *DatagramRelay) Count(ctx context.Context, dir string, atLeast int) int {
	for {
		r.mu.Lock()
		n, arrived := len(r.up), r.arrived
		if dir == "down" {
			n = len(r.down)
		}
		r.mu.Unlock()
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

// Transcript describes every datagram each way, and what became of it.
func (r *DatagramRelay) Transcript() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := func(rs []relayed) string {
		if len(rs) == 0 {
			return "nothing"
		}
		var parts []string
		for _, d := range rs {
			parts = append(parts, fmt.Sprintf("%s (%s)", QuoteDatagram(d.data, 200), d.fate))
		}
		return fmt.Sprintf("%d datagram(s): %s", len(rs), strings.Join(parts, ", "))
	}
	return fmt.Sprintf("client to server %s; server to client %s", list(r.up), list(r.down))
}

// isClosed reports whether err is that of a socket closed on our side.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
