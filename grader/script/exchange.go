//go:build unix

package script

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// maxRecv bounds what one recvline or recvall takes before it gives up.
const maxRecv = 1 << 20

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
	args = parse(ts, fs, args, 1, 2)
	c := st.conn(ts, args[0])
	var data []byte
	switch {
	case *file != "" && len(args) == 1:
		data = []byte(ts.ReadFile(*file))
	case *file == "" && len(args) == 2:
		data = text(ts, args[1])
	default:
		st.abort(ts, "usage: %s (TEXT or -file, not both)", usage("send"))
	}
	ctx, cancel := within(st, 0)
	defer cancel()
	if n, err := c.Send(ctx, data, *chunk, *gap); err != nil {
		ts.Fatalf("the grader's connection %s could not send %s: %s after %s went out%s",
			args[0], peer.Quote(data), peer.Explain(err), peer.Quote(data[:n]), hint(err))
	}
}

// RecvLine reads one line, up to and including its newline, on a grader
// connection, and checks it is exactly TEXT; without TEXT, any line.
//
//	recvline [-within DURATION] CONN [TEXT]
func RecvLine(ts *testscript.TestScript, args []string) {
	recvCheck(ts, args, "recvline", 1, (*peer.Conn).RecvLine, "the line %s")
}

// RecvAll reads on a grader connection until the program closes it (EOF)
// and checks that what came is exactly TEXT (empty for nothing at all);
// without TEXT, whatever came.
//
//	recvall [-within DURATION] CONN [TEXT]
func RecvAll(ts *testscript.TestScript, args []string) {
	recvCheck(ts, args, "recvall", 1, (*peer.Conn).RecvAll, "exactly %s then EOF")
}

// recvCheck is the command name: it receives with recv on a grader
// connection and checks that exactly TEXT came, if min says TEXT is
// required or it is there; want says what was wanted, around the quoted
// TEXT.
func recvCheck(ts *testscript.TestScript, args []string, name string, min int,
	recv func(*peer.Conn, context.Context, int) ([]byte, error), want string) {
	st := stateOf(ts)
	fs := flags(name)
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, min, 2)
	c := st.conn(ts, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := recv(c, ctx, maxRecv)
	if len(args) == 1 {
		if err != nil {
			ts.Fatalf("the grader's connection %s received %s", args[0], received(got, err))
		}
		return
	}
	expected := text(ts, args[1])
	if err != nil || !bytes.Equal(got, expected) {
		ts.Fatalf("the grader's connection %s received %s; want "+want,
			args[0], received(got, err), peer.Quote(expected))
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
	s := quoteGot(got)
	switch {
	case err == nil:
		return s
	case os.IsTimeout(err):
		return s + " and then nothing more before the time limit"
	}
	return s + " then " + peer.Explain(err)
}

// Relay starts a relay for a student client to talk to a student server,
// the program named with -to, through: it listens on LISTEN at once, and
// for each client it accepts it connects to TARGET, trying again until the
// server listens, the time limit, or until the server exits. It records
// what passes each way, for relayed to check.
//
//	relay -to PROGRAM NAME NETWORK LISTEN TARGET
func Relay(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("relay")
	to := fs.String("to", "", "")
	rules := relayRules(fs)
	args = parse(ts, fs, args, 4, 4)
	if *to == "" {
		st.abort(ts, "usage: %s (-to names the server program)", usage("relay"))
	}
	var r Resource
	var err error
	switch datagram := strings.HasPrefix(args[1], "udp"); {
	case datagram:
		r, err = peer.StartDatagramRelay(st.ctx, args[1], args[2], args[3], *rules, st.giveUp(*to))
	case len(*rules) > 0:
		st.abort(ts, "relay: -drop, -dup and -delay are for datagram relays (udp)")
	default:
		r, err = peer.StartRelay(st.ctx, args[1], args[2], args[3], st.giveUp(*to))
	}
	if err != nil {
		st.abort(ts, "the grader cannot listen on %s: %v", args[2], err)
	}
	st.keep(ts, kindRelay, args[0], r)
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
	args = parse(ts, fs, args, 3, 3)
	r, ok := lookup[Resource](ts, st, kindRelay, args[0]).(*peer.Relay)
	if !ok {
		st.abort(ts, "relayed: %s is a datagram relay: datagrams counts what it passed", args[0])
	}
	up, down := text(ts, args[1]), text(ts, args[2])
	ctx, cancel := within(st, *limit)
	defer cancel()
	s, err := r.Wait(ctx)
	if err != nil {
		ts.Fatalf("relay %s: %v", args[0], err)
	}
	if s.Truncated() {
		ts.Fatalf("relay %s: more than %d bytes passed one way; want exactly %s up and %s down",
			args[0], peer.RelayCap, peer.Quote(up), peer.Quote(down))
	}
	if !bytes.Equal(s.Up(), up) {
		ts.Fatalf("the client sent %s to the server; want exactly %s", quoteGot(s.Up()), peer.Quote(up))
	}
	if !bytes.Equal(s.Down(), down) {
		ts.Fatalf("the server sent %s to the client; want exactly %s", quoteGot(s.Down()), peer.Quote(down))
	}
}
