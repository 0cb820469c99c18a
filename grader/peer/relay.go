package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// A Relay stands between a student client and a student server. It
// listens on its own address, which is ready before the client starts; for
// each connection it accepts it dials the target with Dial's patience, so
// the client never races the server's start-up, and the server's single
// accept goes to the client's conversation. It forwards bytes both ways,
// passes on a half-close as a half-close and a reset as a reset, and
// records what went each way.
type Relay struct {
	ln      net.Listener
	network string
	target  string
	ctx     context.Context
	giveUp  func() error

	mu       sync.Mutex
	sessions []*Session
	refused  int           // connections past MaxSessions, closed at once
	arrived  chan struct{} // closed and replaced when a session starts
	budget   atomic.Int64  // bytes its sessions may still record
}

// RelayCap is how many bytes of each direction a relay session records.
const RelayCap = 1 << 20

// Bounds on what one relay takes on, whatever the programs do: sessions
// beyond MaxSessions are closed as they come, and its sessions record
// RelayBudget bytes in all (they go on relaying past it, unrecorded).
const (
	MaxSessions = 32
	RelayBudget = 8 << 20
)

// A Session is one relayed conversation.
type Session struct {
	client *Conn // the accepted side: what it receives went up
	done   chan struct{}

	mu     sync.Mutex
	server *Conn // the dialled side: what it receives came down
	err    error // why the session could not be set up
}

// Up returns what the client sent towards the server.
func (s *Session) Up() []byte { return s.client.Received() }

// Down returns what the server sent back towards the client.
func (s *Session) Down() []byte {
	if srv, _ := s.state(); srv != nil {
		return srv.Received()
	}
	return nil
}

// Truncated reports whether more passed than the session records.
func (s *Session) Truncated() bool {
	srv, _ := s.state()
	return s.client.Truncated() || srv != nil && srv.Truncated()
}

// Err returns why the session failed, or nil.
func (s *Session) Err() error {
	_, err := s.state()
	return err
}

func (s *Session) state() (*Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server, s.err
}

func (s *Session) set(server *Conn, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.server, s.err = server, err
}

// StartRelay listens on listenAddr and relays each connection to target,
// until ctx ends or Close.
func StartRelay(ctx context.Context, network, listenAddr, target string, giveUp func() error) (*Relay, error) {
	ln, err := net.Listen(network, listenAddr)
	if err != nil {
		return nil, err
	}
	r := &Relay{ln: ln, network: network, target: target, ctx: ctx, giveUp: giveUp,
		arrived: make(chan struct{})}
	r.budget.Store(RelayBudget)
	go r.serve()
	return r, nil
}

// Close stops accepting and ends every session.
func (r *Relay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	sessions := r.sessions
	r.mu.Unlock()
	for _, s := range sessions {
		s.client.Close()
		if srv, _ := s.state(); srv != nil {
			srv.Close()
		}
	}
	return err
}

func (r *Relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		r.mu.Lock()
		if len(r.sessions) >= MaxSessions {
			r.refused++
			r.mu.Unlock()
			c.Close()
			continue
		}
		r.mu.Unlock()
		client := NewConn(c)
		client.limit, client.budget = RelayCap, &r.budget
		s := &Session{client: client, done: make(chan struct{})}
		r.mu.Lock()
		r.sessions = append(r.sessions, s)
		close(r.arrived)
		r.arrived = make(chan struct{})
		r.mu.Unlock()
		go r.run(s)
	}
}

func (r *Relay) run(s *Session) {
	defer close(s.done)
	server, err := Dial(r.ctx, r.network, r.target, r.giveUp)
	if err != nil {
		s.set(nil, fmt.Errorf("the relay could not reach the server: %w", err))
		s.client.Close()
		return
	}
	server.limit, server.budget = RelayCap, &r.budget
	s.set(server, nil)
	stop := context.AfterFunc(r.ctx, func() { s.client.Close(); server.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { forward(server, s.client) })
	wg.Go(func() { forward(s.client, server) })
	wg.Wait()
	s.client.Close()
	server.Close()
}

// forward copies from src to dst, recording on src, until src ends. EOF is
// passed on as a half-close; a broken connection, or a write that fails
// because the far side is gone, as a reset.
func forward(dst, src *Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			src.record(&src.received, buf[:n])
			if _, werr := dst.Write(buf[:n]); werr != nil {
				abort(src)
				return
			}
		}
		if errors.Is(err, io.EOF) {
			dst.CloseWrite()
			return
		}
		if err != nil {
			abort(dst)
			return
		}
	}
}

// abort ends c with a reset where it can, or closes it.
func abort(c *Conn) {
	if c.Reset() != nil {
		c.Close()
	}
}

// Wait returns the first session once it has finished.
func (r *Relay) Wait(ctx context.Context) (*Session, error) {
	for {
		r.mu.Lock()
		arrived := r.arrived
		var first *Session
		if len(r.sessions) > 0 {
			first = r.sessions[0]
		}
		r.mu.Unlock()
		if first != nil {
			select {
			case <-first.done:
				return first, first.Err()
			case <-ctx.Done():
				return first, errors.New("the relayed conversation did not end before the time limit")
			}
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return nil, errors.New("no client connected to the relay before the time limit")
		}
	}
}

// Transcript describes what went through the relay, one session a line.
func (r *Relay) Transcript() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sessions) == 0 {
		return "no client connected"
	}
	var lines []string
	for _, s := range r.sessions {
		line := fmt.Sprintf("client sent %s, server sent %s", Quote(s.Up()), Quote(s.Down()))
		if err := s.Err(); err != nil {
			line += " (" + err.Error() + ")"
		}
		lines = append(lines, line)
	}
	if r.refused > 0 {
		lines = append(lines, fmt.Sprintf("%d more clients closed at once (a relay takes %d)", r.refused, MaxSessions))
	}
	return strings.Join(lines, "; ")
}
