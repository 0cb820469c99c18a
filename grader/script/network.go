//go:build unix

package script

import (
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// Port leases a port no other scenario can take, for as long as this
// scenario runs, and sets each VAR to one.
//
//	port VAR...
func Port(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("port"), args, 1, -1)
	for _, name := range args {
		lease, err := st.ports.Take()
		if err != nil {
			st.abort(ts, "%v", err)
		}
		st.keep(ts, kindLease, name, lease)
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
	args = parse(ts, flags("hold"), args, 2, 2)
	c, err := peer.Hold(args[0], args[1])
	if err != nil {
		st.abort(ts, "the grader cannot hold %s: %v", args[1], err)
	}
	st.keep(ts, kindHold, args[0]+" "+args[1], c)
}

// Listen makes the grader listen on an address, as a scripted server;
// accept takes the connections. NETWORK is a stream network: tcp, tcp4,
// tcp6 or unix.
//
//	listen NAME NETWORK ADDRESS
func Listen(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("listen"), args, 3, 3)
	ln, err := peer.Listen(args[1], args[2])
	if err != nil {
		st.abort(ts, "the grader cannot listen on %s: %v", args[2], err)
	}
	st.keep(ts, kindListener, args[0], ln)
}

// Accept waits for a program to connect to one of the grader's listeners
// and names the connection CONN. It stops waiting when the program named
// with -from has exited, or, without -from, when every program of the
// scenario has.
//
//	accept [-within DURATION] [-from PROGRAM] LISTENER CONN
func Accept(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("accept")
	limit := fs.Duration("within", 0, "")
	from := fs.String("from", "", "")
	args = parse(ts, fs, args, 2, 2)
	ln := lookup[*peer.Listener](ts, st, kindListener, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := ln.Accept(ctx, st.giveUp(*from))
	if err != nil {
		ts.Fatalf("no program connected to %s: %v", ln.Addr(), err)
	}
	st.keep(ts, kindConn, args[1], c)
}

// Dial connects to a program's server as a scripted client, and names the
// connection CONN. While nothing listens yet it tries again, until the
// time limit, or until the program named with -to has exited (without -to:
// every program of the scenario). The connection it makes is the
// scenario's, so a server that serves a single client is not spent on a
// readiness check. Over udp it waits until the program has bound the port
// (see peer.Dial).
//
//	dial [-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS
func Dial(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("dial")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 3, 3)
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := peer.Dial(ctx, args[1], args[2], st.giveUp(*to))
	if err != nil {
		ts.Fatalf("cannot connect to %s: %v", args[2], err)
	}
	st.keep(ts, kindConn, args[0], c)
}

// Shutdown half-closes a grader connection (shutdown(SHUT_WR)): the
// program reads EOF, and can still send.
//
//	shutdown CONN
func Shutdown(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("shutdown"), args, 1, 1)
	if err := st.conn(ts, args[0]).CloseWrite(); err != nil {
		ts.Fatalf("the grader cannot half-close %s: %v", args[0], peer.Explain(err))
	}
}

// Close closes a grader connection normally (FIN). Bytes the program sent
// that the grader has not read make the kernel reset it instead, so read
// them first.
//
//	close CONN
func Close(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("close"), args, 1, 1)
	if err := st.conn(ts, args[0]).Close(); err != nil {
		ts.Fatalf("the grader cannot close %s: %v", args[0], peer.Explain(err))
	}
}

// Reset aborts a grader TCP connection with a reset (RST, via SO_LINGER
// 0): the program's next read fails with "connection reset by peer", and
// its next write with that or "broken pipe". It then waits
// peer.ResetSettle (100 ms): some network stacks (gVisor) hand the reset to
// the program's socket a moment after the close, and nothing outside that
// socket can tell when.
//
//	reset CONN
func Reset(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("reset"), args, 1, 1)
	if err := st.conn(ts, args[0]).ResetAndSettle(st.ctx); err != nil {
		ts.Fatalf("the grader cannot reset %s: %v", args[0], peer.Explain(err))
	}
}

// conn returns the grader's connection called name, or aborts.
func (st *State) conn(ts *testscript.TestScript, name string) *peer.Conn {
	return lookup[*peer.Conn](ts, st, kindConn, name)
}
