package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// PollEvery is how often Dial and Accept look again while they wait.
const PollEvery = 5 * time.Millisecond

// IPv4OnlyGrace is how long Dial goes on trying an IPv6 address after it
// sees that the port is open over IPv4 only, in case the program opens
// its IPv6 socket second.
var IPv4OnlyGrace = time.Second

// ipv4OnlyEvery is how often Dial asks the system which families listen.
const ipv4OnlyEvery = 100 * time.Millisecond

// Dial connects to addr on network ("tcp", "tcp4", "tcp6", "unix", "udp",
// ...); over udp, see dialDatagram. While nothing listens there yet (connection refused; for a Unix
// socket, no such file) it tries again every PollEvery, until it connects,
// ctx ends, or giveUp returns an error, typically because the program that
// should listen has exited. To an IPv6 address over TCP it also gives up
// IPv4OnlyGrace after the system shows the port open over IPv4 only: the
// program listens, but not for this address.
//
// The connection that succeeds is the one the scenario uses: a server that
// accepts a single client is never spent on a readiness probe.
func Dial(ctx context.Context, network, addr string, giveUp func() error) (*Conn, error) {
	if strings.HasPrefix(network, "udp") {
		return dialDatagram(ctx, network, addr, giveUp)
	}
	return dialWith(ctx, network, addr, giveUp, &net.Dialer{})
}

// dialWith is Dial's retry loop over a stream network, with d.
func dialWith(ctx context.Context, network, addr string, giveUp func() error, d *net.Dialer) (*Conn, error) {
	transport, port, v6 := ipv6Port(network, addr)
	var asked, v4Only time.Time // when it last asked, and since when the port is IPv4 only
	for {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return NewConn(c), nil
		}
		if !notListening(err) {
			return nil, err
		}
		if stop := giveUp(); stop != nil {
			return nil, fmt.Errorf("%w (%v)", stop, Explain(err))
		}
		if v6 && time.Since(asked) >= ipv4OnlyEvery {
			asked = time.Now()
			switch only, _ := ipv4Only(transport, port); {
			case !only:
				v4Only = time.Time{}
			case v4Only.IsZero():
				v4Only = asked
			case asked.Sub(v4Only) >= IPv4OnlyGrace:
				return nil, fmt.Errorf("the program listens on port %d over IPv4 only, so nothing answers on %s (%v): "+
					"a server for IPv4 and IPv6 listens on both", port, addr, Explain(err))
			}
		}
		if perr := pause(ctx, PollEvery); perr != nil {
			return nil, fmt.Errorf("nothing listened before the time limit (%v)", Explain(err))
		}
	}
}

// notListening reports whether a dial error means that nobody listens yet.
func notListening(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ENOENT) || // a Unix socket path not bound yet
		errors.Is(err, syscall.EAGAIN) // a Unix socket's backlog is full
}

// A Listener accepts connections for the grader's side.
type Listener struct {
	net.Listener
}

// deadliner is what TCP and Unix listeners have in common.
type deadliner interface {
	SetDeadline(time.Time) error
}

// Listen starts listening on addr; Accept takes the connections.
func Listen(network, addr string) (*Listener, error) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	return &Listener{ln}, nil
}

// Accept waits for one connection, until ctx ends or giveUp returns an
// error, typically because the program that should connect has exited.
func (l *Listener) Accept(ctx context.Context, giveUp func() error) (*Conn, error) {
	dl, ok := l.Listener.(deadliner)
	if !ok {
		return nil, fmt.Errorf("cannot wait on a %T", l.Listener)
	}
	defer dl.SetDeadline(time.Time{})
	for {
		until := time.Now().Add(PollEvery)
		if d, ok := ctx.Deadline(); ok && d.Before(until) {
			until = d
		}
		dl.SetDeadline(until)
		c, err := l.Listener.Accept()
		if err == nil {
			return NewConn(c), nil
		}
		if !isTimeout(err) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, errors.New("no connection came before the time limit")
		}
		if stop := giveUp(); stop != nil {
			return nil, stop
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Hold occupies addr on network ("tcp", "udp", "unix", ...) until closed:
// a stream socket listens without accepting, a datagram socket is bound.
func Hold(network, addr string) (io.Closer, error) {
	switch network {
	case "udp", "udp4", "udp6":
		return bindPacket(network, addr)
	case "unixgram":
		return net.ListenPacket(network, addr)
	}
	return net.Listen(network, addr)
}
