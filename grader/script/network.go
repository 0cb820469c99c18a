//go:build unix

package script

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// maxRecv bounds what one recvline or recvall takes before it gives up.
const maxRecv = 1 << 20

// Port leases a port no other scenario can take, for as long as this
// scenario runs, and sets each VAR to one.
//
//	port VAR...
func Port(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("port"), args, 1, -1, "port VAR...")
	for _, name := range args {
		lease, err := st.ports.Take()
		ts.Check(err)
		st.mu.Lock()
		st.leases = append(st.leases, lease)
		st.mu.Unlock()
		ts.Setenv(name, strconv.Itoa(lease.Port))
	}
}

// Hold occupies an address until the scenario ends, so that a program
// that tries to bind it fails: a stream socket listens (and never
// accepts), a datagram socket is bound. ":PORT" holds the port on every
// local address, IPv4 and IPv6.
//
//	hold NETWORK ADDRESS
func Hold(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("hold"), args, 2, 2, "hold NETWORK ADDRESS")
	c, err := peer.Hold(args[0], args[1])
	ts.Check(err)
	st.mu.Lock()
	st.closers = append(st.closers, c)
	st.mu.Unlock()
}

// Listen makes the grader listen on an address, as a scripted server;
// accept takes the connections.
//
//	listen NAME NETWORK ADDRESS
func Listen(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("listen"), args, 3, 3, "listen NAME NETWORK ADDRESS")
	ln, err := peer.Listen(args[1], args[2])
	ts.Check(err)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.listeners[args[0]] = ln
}

// Accept waits for a program to connect to one of the grader's listeners
// and names the connection CONN. It stops waiting when every program of
// the scenario has exited.
//
//	accept [-within DURATION] LISTENER CONN
func Accept(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("accept")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 2, "accept [-within DURATION] LISTENER CONN")
	st.mu.Lock()
	ln := st.listeners[args[0]]
	st.mu.Unlock()
	if ln == nil {
		ts.Fatalf("no listener named %q", args[0])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := ln.Accept(ctx, st.giveUp)
	if err != nil {
		ts.Fatalf("no program connected to %s: %v", ln.Addr(), err)
	}
	st.addConn(ts, args[1], c)
}

// Dial connects to a program's server as a scripted client, and names the
// connection CONN. While nothing listens yet it tries again, until the
// time limit or until every program of the scenario has exited; the
// connection it makes is the scenario's, so a server that serves a single
// client is not spent on a readiness check.
//
//	dial [-within DURATION] CONN NETWORK ADDRESS
func Dial(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("dial")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, 3, "dial [-within DURATION] CONN NETWORK ADDRESS")
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := peer.Dial(ctx, args[1], args[2], st.giveUp)
	if err != nil {
		ts.Fatalf("cannot connect to %s: %v", args[2], err)
	}
	st.addConn(ts, args[0], c)
}

// Send sends TEXT (Go escapes such as \n allowed), or the contents of a
// file of the scenario with -file, on a grader connection. With -chunk N
// it goes in pieces of N bytes, with -gap between them.
//
//	send [-chunk N] [-gap DURATION] CONN TEXT
//	send [-chunk N] [-gap DURATION] -file FILE CONN
func Send(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("send")
	chunk := fs.Int("chunk", 0, "")
	gap := fs.Duration("gap", 0, "")
	file := fs.String("file", "", "")
	const usage = "send [-chunk N] [-gap DURATION] [-file FILE] CONN [TEXT]"
	args = parse(ts, fs, args, 1, 2, usage)
	c := st.conn(ts, args[0])
	var data []byte
	switch {
	case *file != "" && len(args) == 1:
		data = []byte(ts.ReadFile(*file))
	case *file == "" && len(args) == 2:
		data = text(ts, args[1])
	default:
		ts.Fatalf("usage: %s", usage)
	}
	ctx, cancel := within(st, 0)
	defer cancel()
	if n, err := c.Send(ctx, data, *chunk, *gap); err != nil {
		ts.Fatalf("the grader's connection %s could not send %s: %s after %s went out%s",
			args[0], peer.Quote(data), peer.Explain(err), peer.Quote(data[:n]), hint(err))
	}
}

// RecvLine reads one line, up to and including its newline, on a grader
// connection, and checks it is exactly TEXT.
//
//	recvline [-within DURATION] CONN TEXT
func RecvLine(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("recvline")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 2, "recvline [-within DURATION] CONN TEXT")
	c := st.conn(ts, args[0])
	want := text(ts, args[1])
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := c.RecvLine(ctx, maxRecv)
	if err != nil || !bytes.Equal(got, want) {
		ts.Fatalf("the grader's connection %s received %s; want the line %s",
			args[0], received(got, err), peer.Quote(want))
	}
}

// RecvAll reads on a grader connection until the program closes it (EOF)
// and checks that what came is exactly TEXT (empty for nothing at all).
//
//	recvall [-within DURATION] CONN TEXT
func RecvAll(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("recvall")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 2, "recvall [-within DURATION] CONN TEXT")
	c := st.conn(ts, args[0])
	want := text(ts, args[1])
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := c.RecvAll(ctx, maxRecv)
	if err != nil || !bytes.Equal(got, want) {
		ts.Fatalf("the grader's connection %s received %s; want exactly %s then EOF",
			args[0], received(got, err), peer.Quote(want))
	}
}

// hint explains the errors a write meets when the other side is gone.
func hint(err error) string {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return " (the program had closed the connection, or exited)"
	}
	return ""
}

// received describes what a receive got and how it ended.
func received(got []byte, err error) string {
	s := peer.Quote(got)
	switch {
	case err == nil:
		return s
	case os.IsTimeout(err):
		return s + " and then nothing more before the time limit"
	}
	return s + " then " + peer.Explain(err)
}

// Shutdown half-closes a grader connection (shutdown(SHUT_WR)): the
// program reads EOF, and can still send.
//
//	shutdown CONN
func Shutdown(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("shutdown"), args, 1, 1, "shutdown CONN")
	ts.Check(st.conn(ts, args[0]).CloseWrite())
}

// Close closes a grader connection normally (FIN). Bytes the program sent
// that the grader has not read make the kernel reset it instead, so read
// them first.
//
//	close CONN
func Close(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("close"), args, 1, 1, "close CONN")
	ts.Check(st.conn(ts, args[0]).Close())
}

// Reset aborts a grader TCP connection with a reset (RST, via SO_LINGER
// 0): the program's next read fails with "connection reset by peer", and
// its next write with that or "broken pipe". It returns once the reset has
// had time to reach the program's socket (peer.ResetSettle), which some
// network stacks deliver a moment after the close.
//
//	reset CONN
func Reset(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("reset"), args, 1, 1, "reset CONN")
	ts.Check(st.conn(ts, args[0]).ResetAndSettle(st.ctx))
}

// Relay starts a relay for a student client to talk to a student server
// through: it listens on LISTEN at once, and for each client it accepts it
// connects to TARGET, trying again until the server listens, the time
// limit, or until a program of the scenario exits (the server failed to
// start). It records what passes each way, for relayed to check.
//
//	relay NAME NETWORK LISTEN TARGET
func Relay(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("relay"), args, 4, 4, "relay NAME NETWORK LISTEN TARGET")
	r, err := peer.StartRelay(st.ctx, args[1], args[2], args[3], st.anyExited)
	ts.Check(err)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.relays[args[0]] = r
}

// Relayed waits until the first conversation through a relay has ended and
// checks what passed: exactly UP from the client, exactly DOWN from the
// server.
//
//	relayed [-within DURATION] NAME UP DOWN
func Relayed(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("relayed")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, 3, "relayed [-within DURATION] NAME UP DOWN")
	st.mu.Lock()
	r := st.relays[args[0]]
	st.mu.Unlock()
	if r == nil {
		ts.Fatalf("no relay named %q", args[0])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	s, err := r.Wait(ctx)
	if err != nil {
		ts.Fatalf("relay %s: %v", args[0], err)
	}
	up, down := text(ts, args[1]), text(ts, args[2])
	if !bytes.Equal(s.Up(), up) {
		ts.Fatalf("the client sent %s to the server; want exactly %s", peer.Quote(s.Up()), peer.Quote(up))
	}
	if !bytes.Equal(s.Down(), down) {
		ts.Fatalf("the server sent %s to the client; want exactly %s", peer.Quote(s.Down()), peer.Quote(down))
	}
}

func (st *State) addConn(ts *testscript.TestScript, name string, c *peer.Conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.conns[name] != nil {
		c.Close()
		ts.Fatalf("a connection named %q exists already", name)
	}
	st.conns[name] = c
}

func (st *State) conn(ts *testscript.TestScript, name string) *peer.Conn {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.conns[name]
	if c == nil {
		ts.Fatalf("no connection named %q", name)
	}
	return c
}
