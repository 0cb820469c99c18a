//go:build unix

package script

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// The grader's side of a server for many clients at once: groups of
// connections that talk at the same time, a connection that floods the
// server without reading its answers, checks of the answers and of the
// lines a program printed about each connection, and waits on a server's
// listener that use up none of its clients.
//
// Lines and answers are templates: {i} is a connection's number in its
// group (from 1), {j} a line's number (from 1), {line} the line the
// connection sent (in an answer, or in what the program printed about it)
// and {addr} the grader connection's own address, as Go prints it
// (127.0.0.1:54321, [::1]:54321): the program's peer address.

// kindGroup is a group of grader connections opened by clients.
var kindGroup = newKind("group of connections", reportGroup)

// kindFlood is the writing of a flood, by the name of its connection
// (whose transcript keeps only the first 64 KiB it sent).
var kindFlood = newKind("flood", nil)

func init() {
	valueFlags = append(valueFlags, "lines")
}

// groupSpecs are the group commands' part of the table (see specs).
var groupSpecs = []Spec{
	{Name: "listening", Args: "[-within DURATION] [-to PROGRAM] NETWORK ADDRESS", Group: groupNetwork, Run: Listening,
		Names:   []Name{awaits(kindProgram, "to")},
		Summary: "wait until a program listens on ADDRESS, as the system shows it, without connecting",
		Detail: "So that a server that counts its clients (a busy limit) counts none for the wait. NETWORK is tcp, " +
			"tcp4 or tcp6. Gives up when PROGRAM has exited (without -to: every program). Where the system " +
			"cannot tell (neither /proc/net nor lsof), it connects once and closes that connection."},
	{Name: "refused", Args: "[-within DURATION] NETWORK ADDRESS", Group: groupNetwork, Run: Refused,
		Summary: "wait until a connection to ADDRESS is refused: nothing listens there any more",
		Detail: "For a server that must close its listener at once when it shuts down: a connection that still " +
			"opens meanwhile is closed at once, and the grader tries again."},
	{Name: "clients", Args: "[-within DURATION] [-to PROGRAM] NAME N NETWORK ADDRESS", Group: groupNetwork, Run: Clients,
		Names:   []Name{defines(kindGroup, 1), awaits(kindProgram, "to")},
		Summary: "open N grader connections to ADDRESS at once, a group called NAME",
		Detail: "Each retries as dial does until the server listens. They stay open, for exchange, answered and " +
			"printedsent, until the scenario ends."},
	{Name: "exchange", Args: "[-within DURATION] [-lines K] NAME LINE ANSWER", Group: groupNetwork, Run: ExchangeCmd,
		Names:   []Name{uses(1, kindGroup)},
		Summary: "have every connection of a group send K lines (1 unless -lines) and check each answer, all at once",
		Detail: "In round j every connection sends LINE and a newline, then reads one line, which must be exactly " +
			"ANSWER and a newline; no connection sends its next line before all are answered, so a server that " +
			"serves one client at a time never finishes a round. LINE and ANSWER are templates: {i} is the " +
			"connection's number (from 1), {j} the line's, {line} the line sent, {addr} the connection's address."},
	{Name: "flood", Args: "[-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS COUNT LINE", Group: groupNetwork, Run: Flood,
		Names:   []Name{defines(kindConn, 1), awaits(kindProgram, "to")},
		Summary: "connect as dial does and write up to COUNT lines in the background, reading only the first answer, until the program stops taking them",
		Detail: "LINE is a template ({j} is the line's number, from 1). The connection's buffers and segment size " +
			"are made small before it opens, so that the program's side keeps little of the answers the grader does " +
			"not read. It reads one line, the first answer (the program serves the connection: it accepted it), and " +
			"returns once the program's system stops acknowledging what the grader writes (the program does not " +
			"read: a server that answers every line waits in a write, with lines unread), or once all COUNT lines " +
			"are written and acknowledged. The writing goes on in the background until all are out, or shutdown, " +
			"reset or close stops it; answered then counts the lines written, the last one cut short (-tail) " +
			"too. CONN is a connection like dial's. Make COUNT far more than any system keeps (100,000 lines of " +
			"100 bytes)."},
	{Name: "answered", Args: "[-within DURATION] [-tail] CONN|GROUP ANSWER", Group: groupNetwork, Run: Answered,
		Names:   []Name{uses(1, kindConn, kindGroup)},
		Summary: "read until the program closes (EOF) and check it answered each line the connection sent, in order",
		Detail: "Exactly one line ANSWER (a template: {line} is the line sent, {j} its number, {addr} the " +
			"connection's address) and a newline for each line not answered yet (answers recvline or exchange took " +
			"count), then EOF. With -tail, text sent after the last newline (then shutdown) is a line too; a " +
			"flood's last line, cut short when shutdown stopped it, may be answered or not without it. For a group, " +
			"each of its connections."},
	{Name: "taken", Args: "[-within DURATION] CONN", Group: groupNetwork, Run: TakenCmd,
		Names:   []Name{uses(1, kindConn)},
		Summary: "wait until the program has read all the grader sent on a TCP connection, as the system shows it",
		Detail: "Its socket's receive queue is empty (Linux's /proc/net, netstat on macOS). For a story that needs " +
			"the program to have a piece before the grader goes on: a line that arrives in pieces while another " +
			"client talks. Where the system cannot tell, it goes on at once. Gives up when every program has exited."},
	{Name: "closed", Args: "[-within DURATION] CONN", Group: groupNetwork, Run: Closed,
		Names:   []Name{uses(1, kindConn)},
		Summary: "wait until the program closes a connection, normally (EOF) or with a reset, with nothing more sent before",
		Detail: "For a program that closes a connection with bytes of it still unread, which makes its system " +
			"reset it: recvline the last line first."},
	{Name: "printedsent", Args: "[-only|-exact] [-tail] NAME stdout|stderr TEMPLATE CONN|GROUP...", Group: groupOutput, Run: PrintedSent,
		Names:   []Name{uses(1, kindProgram), uses(4, kindConn, kindGroup)},
		Summary: "check a program printed a whole line TEMPLATE for each line each connection sent",
		Detail: "TEMPLATE has {addr}, the connection's address (the program's peer address), and {line}. Each line " +
			"must be printed whole, on a line of its own, spaces around it aside; the lines of one connection in the " +
			"order it sent them, those of different connections in any order. -tail counts text after the last " +
			"newline (then shutdown) as a line. -only: nothing else but blank lines; -exact: exactly those lines, " +
			"each with its newline, and nothing else (the format-* family). The program must have exited."},
	{Name: "reportedconn", Args: "[-within DURATION] NAME CONN TEXT [REASON...]", Group: groupOutput, Run: ReportedConn,
		Names:   []Name{uses(1, kindProgram), uses(2, kindConn)},
		Summary: "check a program reported an error about a grader connection: a line beginning with TEXT",
		Detail: "TEXT is a template: {addr} is the connection's address, the program's peer address. With REASONs, " +
			"the line must also contain one of them. On stderr or stdout, after a prefix (such as a log timestamp) " +
			"if any. A program still running is waited for until it prints the line, exits, or the time limit."},
}

// A group is the connections clients opened, in order.
type group struct {
	name  string
	conns []*peer.Conn

	mu     sync.Mutex
	failed map[int]bool // connections (from 0) a command found wrong
}

func (g *group) Close() error {
	for _, c := range g.conns {
		c.Close()
	}
	return nil
}

func (g *group) fail(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failed[i] = true
}

// reportGroup tells what the group's connections did: the first, and
// each one a command found wrong.
func reportGroup(b *strings.Builder, name string, r Resource) {
	g := r.(*group)
	g.mu.Lock()
	defer g.mu.Unlock()
	fmt.Fprintf(b, "grader group %s: %d connections\n", name, len(g.conns))
	shown := 0
	for i, c := range g.conns {
		if i > 0 && !g.failed[i] {
			continue
		}
		if shown == 5 {
			fmt.Fprintf(b, "  (and %d more that went wrong)\n", len(g.failed)-shown)
			break
		}
		shown++
		t := strings.ReplaceAll(c.Transcript(), "\n", ", ")
		fmt.Fprintf(b, "  connection %d (%s): %s\n", i+1, c.LocalAddr(), t)
	}
}

// Listening waits until a program listens on ADDRESS, as the system shows
// it, without connecting.
//
//	listening [-within DURATION] [-to PROGRAM] NETWORK ADDRESS
func Listening(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("listening")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 2, 2)
	if !strings.HasPrefix(args[0], "tcp") {
		st.abort(ts, "listening: want a TCP network (tcp, tcp4, tcp6), got %q", args[0])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := peer.Listening(ctx, args[0], args[1], st.giveUp(*to)); err != nil {
		ts.Fatalf("nothing listened on %s: %v", args[1], err)
	}
}

// Refused waits until a connection to ADDRESS is refused.
//
//	refused [-within DURATION] NETWORK ADDRESS
func Refused(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("refused")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 2)
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := peer.Refused(ctx, args[0], args[1]); err != nil {
		ts.Fatalf("want connections to %s refused (the listener closed); %v", args[1], err)
	}
}

// Clients opens N grader connections at once, a group called NAME.
//
//	clients [-within DURATION] [-to PROGRAM] NAME N NETWORK ADDRESS
func Clients(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("clients")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 4, 4)
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 || n > 512 {
		st.abort(ts, "clients: N must be a number from 1 to 512, got %q", args[1])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	conns, err := peer.DialGroup(ctx, args[2], args[3], n, st.giveUp(*to))
	if err != nil {
		ts.Fatalf("cannot connect %d clients to %s: %v", n, args[3], err)
	}
	st.keep(ts, kindGroup, args[0], &group{name: args[0], conns: conns, failed: map[int]bool{}})
}

// ExchangeCmd has every connection of a group send lines and check the
// answers, round by round (see peer.Exchange).
//
//	exchange [-within DURATION] [-lines K] NAME LINE ANSWER
func ExchangeCmd(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("exchange")
	limit := fs.Duration("within", 0, "")
	lines := fs.Int("lines", 1, "")
	args = parse(ts, fs, args, 3, 3)
	if *lines < 1 {
		st.abort(ts, "exchange: -lines must be at least 1")
	}
	g := lookup[*group](ts, st, kindGroup, args[0])
	line, answer := peer.Template(text(ts, args[1])), peer.Template(text(ts, args[2]))
	ctx, cancel := within(st, *limit)
	defer cancel()
	err := peer.Exchange(ctx, g.conns, *lines, line, answer)
	var xe *peer.ExchangeError
	if errors.As(err, &xe) {
		g.fail(xe.Conn - 1)
		hint := ""
		if xe.Waiting > 1 {
			hint = ": the server does not serve these clients at the same time"
		}
		ts.Fatalf("in group %s, %v%s", args[0], err, hint)
	}
}

// TakenCmd waits until the program has read all the grader sent on a TCP
// connection, as the system shows it.
//
//	taken [-within DURATION] CONN
func TakenCmd(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("taken")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 1)
	c := st.conn(ts, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := peer.Taken(ctx, c, st.giveUp("")); err != nil {
		ts.Fatalf("the grader's connection %s: %v", args[0], err)
	}
}

// Closed waits until the program closes a connection, normally or with a
// reset, and checks nothing more came.
//
//	closed [-within DURATION] CONN
func Closed(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("closed")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 1)
	c := st.conn(ts, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	got, err := c.Closed(ctx)
	if err != nil || len(got) > 0 {
		ts.Fatalf("the grader's connection %s received %s; want the program to close it, with nothing more",
			args[0], received(got, err))
	}
}
