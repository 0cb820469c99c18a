//go:build unix

package script

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
	"socklab/grader/proc"
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

// Flood connects and writes up to COUNT lines in the background without
// reading the answers, and returns once the program stops taking them.
//
//	flood [-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS COUNT LINE
func Flood(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("flood")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 5, 5)
	count, err := strconv.Atoi(args[3])
	if err != nil || count < 1 || count > 10_000_000 {
		st.abort(ts, "flood: COUNT must be a number from 1 to 10000000, got %q", args[3])
	}
	line := peer.Template(text(ts, args[4]))
	if strings.Contains(string(line), "\n") {
		st.abort(ts, "flood: LINE is one line: the grader adds the newline")
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := peer.DialFlood(ctx, args[1], args[2], st.giveUp(*to))
	if err != nil {
		ts.Fatalf("cannot connect to %s: %v", args[2], err)
	}
	st.keep(ts, kindConn, args[0], c)
	// The writing goes on, in the scenario's time, after the command.
	f := peer.StartFlood(st.ctx, c, line, count)
	st.keep(ts, kindFlood, args[0], flood{f})
	// The first answer shows the program serves the connection: its system
	// takes a connection's bytes before the program accepts it (and resets
	// them if the program closes its listener first).
	if got, err := c.RecvLine(ctx, 64<<10); err != nil {
		ts.Fatalf("the grader's connection %s flooded the program with lines and received %s; want an answer to the first",
			args[0], received(got, err))
	}
	if err := f.Stalled(ctx); err != nil {
		ts.Fatalf("the grader's connection %s flooded the program with lines, not reading the answers: %v", args[0], err)
	}
}

// flood is a Flood as a resource of the scenario: its connection closes it.
type flood struct{ *peer.Flood }

func (flood) Close() error { return nil }

// flooded returns the flood of the connection called name, if it is one.
func (st *State) flooded(name string) (flood, bool) {
	if name == "" {
		return flood{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.reg.find(kindFlood, name)
	if !ok {
		return flood{}, false
	}
	return r.(flood), true
}

// sentLines returns the lines the connection called name sent: a flood's
// (once it stopped writing), or its transcript's.
func (st *State) sentLines(ts *testscript.TestScript, name string, c *peer.Conn, tail bool) []string {
	st.mu.Lock()
	r, flooded := st.reg.find(kindFlood, name)
	st.mu.Unlock()
	if flooded {
		f := r.(flood)
		if err := f.Wait(st.ctx); err != nil {
			ts.Fatalf("the grader's connection %s was still flooding the program at the time limit: shut it down first", name)
		}
		return f.Lines(tail)
	}
	if c.Truncated() {
		st.abort(ts, "%s sent more than the grader's transcript keeps: flood keeps what it sends", name)
	}
	return peer.Lines(c.Sent(), tail)
}

// A member is one grader connection a command checks: a connection, or
// one of a group's.
type member struct {
	label string // how a message names it
	name  string // the connection's name, or "" in a group
	c     *peer.Conn
	g     *group
	i     int // its index in g
}

// members returns the connections called name: a connection, or a
// group's.
func (st *State) members(ts *testscript.TestScript, name string) []member {
	st.mu.Lock()
	r, isConn := st.reg.find(kindConn, name)
	if !isConn {
		r, _ = st.reg.find(kindGroup, name)
	}
	st.mu.Unlock()
	switch v := r.(type) {
	case *peer.Conn:
		return []member{{label: "the grader's connection " + name, name: name, c: v}}
	case *group:
		ms := make([]member, len(v.conns))
		for i, c := range v.conns {
			ms[i] = member{label: fmt.Sprintf("connection %d of group %s", i+1, name), c: c, g: v, i: i}
		}
		return ms
	}
	st.abort(ts, "no connection or group named %q", name)
	return nil
}

func (m member) lines(ts *testscript.TestScript, st *State, tail bool) []string {
	if m.name != "" {
		return st.sentLines(ts, m.name, m.c, tail)
	}
	return peer.Lines(m.c.Sent(), tail)
}

// Answered reads until the program closes and checks it answered each
// line the connection sent (each connection of a group), in order.
//
//	answered [-within DURATION] [-tail] CONN|GROUP ANSWER
func Answered(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("answered")
	limit := fs.Duration("within", 0, "")
	tail := fs.Bool("tail", false, "")
	args = parse(ts, fs, args, 2, 2)
	answer := peer.Template(text(ts, args[1]))
	ms := st.members(ts, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	problems := make([]string, len(ms))
	var wg sync.WaitGroup
	for k, m := range ms {
		lines := m.lines(ts, st, *tail)
		// A flood stopped by shutdown may have cut its last line short:
		// answered or not, either will do (eof-line scenarios judge text
		// ended by EOF).
		var cut []string
		if f, ok := st.flooded(m.name); ok && !*tail {
			if withTail := f.Lines(true); len(withTail) > len(lines) {
				cut = withTail
			}
		}
		// The answers taken already (by recvline, exchange) are not read
		// again: the check starts at the first line not answered yet.
		taken, ok := m.c.Taken()
		if !ok {
			st.abort(ts, "%s received more than the grader's transcript keeps before answered", m.label)
		}
		first := min(strings.Count(string(taken), "\n"), len(lines))
		wg.Go(func() {
			got, err := m.c.RecvAll(ctx, 64<<20)
			addr := m.c.LocalAddr().String()
			p := peer.Answers(got, lines[first:], first, answer, addr)
			if p != "" && cut != nil && peer.Answers(got, cut[first:], first, answer, addr) == "" {
				p = ""
			}
			switch {
			case err != nil && p != "":
				problems[k] = fmt.Sprintf("%s received %s; %s", m.label, received(got, err), p)
			case err != nil:
				problems[k] = fmt.Sprintf("%s received every answer, then %s; want EOF (the program closes the connection)",
					m.label, ended(err))
			case p != "":
				problems[k] = fmt.Sprintf("%s received %d bytes then EOF: %s", m.label, len(got), p)
			}
		})
	}
	wg.Wait()
	for k, p := range problems {
		if p != "" {
			if ms[k].g != nil {
				ms[k].g.fail(ms[k].i)
			}
			ts.Fatalf("%s", p)
		}
	}
}

// ended says how a receive that got everything it wanted ended.
func ended(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "nothing more before the time limit, and no EOF"
	}
	return peer.Explain(err)
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

// PrintedSent checks a program printed a whole line TEMPLATE for each line
// each connection sent.
//
//	printedsent [-only|-exact] [-tail] NAME stdout|stderr TEMPLATE CONN|GROUP...
func PrintedSent(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("printedsent")
	only := fs.Bool("only", false, "")
	exact := fs.Bool("exact", false, "")
	tail := fs.Bool("tail", false, "")
	args = parse(ts, fs, args, 4, -1)
	p := st.finished(ts, args[0])
	stream, out := st.output(ts, p, args[1])
	tmpl := peer.Template(text(ts, args[2]))

	printed := strings.Split(out, "\n")
	last := printed[len(printed)-1]
	printed = printed[:len(printed)-1] // the last is what follows the last newline
	if last != "" {
		printed = append(printed, last)
	}
	norm := make([]string, len(printed))
	for i, l := range printed {
		norm[i] = l
		if !*exact {
			norm[i] = strings.Trim(l, " \t\r")
		}
	}
	used := make([]bool, len(printed))
	for _, name := range args[3:] {
		for _, m := range st.members(ts, name) {
			addr := m.c.LocalAddr().String()
			from := 0
			for j, l := range m.lines(ts, st, *tail) {
				want := tmpl.Fill(m.i+1, j+1, l, addr)
				at := -1
				for k := from; k < len(norm); k++ {
					if !used[k] && norm[k] == want {
						at = k
						break
					}
				}
				if at < 0 {
					ts.Fatalf("%s's %s has no line %q, for the line %q that %s (%s) sent%s",
						p.Name, stream, want, l, m.label, addr, whyMissing(norm, used, from, want, l))
				}
				used[at] = true
				from = at + 1
			}
		}
	}
	for k, l := range norm {
		switch {
		case *exact && !used[k]:
			ts.Fatalf("%s's %s holds the line %q; want exactly one line per line sent, nothing else", p.Name, stream, l)
		case *only && !used[k] && l != "":
			ts.Fatalf("%s's %s holds the line %q; want nothing but the lines for the lines sent", p.Name, stream, l)
		}
	}
	if *exact && last != "" {
		ts.Fatalf("%s's %s ends with %q and no newline; want each line to end with one", p.Name, stream, last)
	}
}

// whyMissing says what the printed lines show about a line that is not
// among them: there, but before the line wanted before it (out of order);
// mixed with other text; or nothing.
func whyMissing(lines []string, used []bool, from int, want, sent string) string {
	for k := range from {
		if lines[k] == want && !used[k] {
			return "after the lines it sent before it: the lines of one client come in the order it sent them"
		}
	}
	for k, l := range lines {
		if !used[k] && (strings.Contains(l, want) || sent != "" && strings.Contains(l, sent)) {
			return fmt.Sprintf(": the nearest is %q, a line mixed with other text or cut (print each line whole, in one write)", l)
		}
	}
	return ""
}

// ReportedConn checks that a program reported an error about a grader
// connection: a line beginning with TEXT ({addr} filled), and holding one
// of the REASONs if any, on either stream, after a prefix if any.
//
//	reportedconn [-within DURATION] NAME CONN TEXT [REASON...]
func ReportedConn(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("reportedconn")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, -1)
	p := mustProcess(ts, st, args[0])
	c := st.conn(ts, args[1])
	want := peer.Template(text(ts, args[2])).Fill(0, 0, "", c.LocalAddr().String())
	var reasons []string
	for _, r := range args[3:] {
		reasons = append(reasons, regexp.QuoteMeta(string(text(ts, r))))
	}
	expr := `(?m)^(?:.*[ \t])?` + regexp.QuoteMeta(want)
	words := fmt.Sprintf("a line beginning with %q", want)
	if len(reasons) > 0 {
		expr += `.*(?:` + strings.Join(reasons, "|") + `)`
		quoted := make([]string, len(args[3:]))
		for i, r := range args[3:] {
			quoted[i] = strconv.Quote(string(text(ts, r)))
		}
		words += " that says " + strings.Join(quoted, " or ")
	}
	re := regexp.MustCompile(expr)
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := waitEither(ctx, p, re); err != nil {
		if ctx.Err() != nil && !p.Exited() {
			ts.Fatalf("want %s on stderr or stdout (after a prefix such as a timestamp, if any); %s printed none before the time limit",
				words, p.Name)
		}
		ts.Fatalf("want %s on stderr or stdout (after a prefix such as a timestamp, if any); %s %s and printed none",
			words, p.Name, p.Status())
	}
}

// waitEither waits until p's stderr or stdout matches re, or both end
// without it, or ctx ends.
func waitEither(ctx context.Context, p *proc.Process, re *regexp.Regexp) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	for _, o := range []*proc.Output{p.Stderr, p.Stdout} {
		go func() { errs <- o.WaitMatch(ctx, re) }()
	}
	first := <-errs
	if first == nil {
		return nil
	}
	return <-errs
}

// Interfaces the group's kinds rely on.
var (
	_ Resource = (*group)(nil)
	_ Resource = flood{}
)
