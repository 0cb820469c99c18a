//go:build unix

package script

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// The grader's side of a message queue daemon: a request and its answer
// in one step, with a wait the answer must not cut short; a GET started in
// an order the grader can rely on; a load of producers and consumers that
// checks every message was delivered exactly once and in order; and what
// a daemon restarted after a crash in the middle of a load still holds.

// kindLoad is a load of producers and consumers.
var kindLoad = newKind("load", reportLoad)

func init() {
	valueFlags = append(valueFlags, "after", "producers", "consumers", "messages", "queues", "window", "getwindow", "wait")
}

// WaitSettle is how long getwait gives a program, once it has answered the
// LEN sent before the GET, to start the GET's wait: nothing outside the
// program shows when it has.
var WaitSettle = 100 * time.Millisecond

// queueSpecs are the queue commands' part of the table (see specs).
var queueSpecs = []Spec{
	{Name: "ask", Args: "[-within DURATION] [-after DURATION] [-prefix] [-file FILE] CONN [LINE [ANSWER]]", Group: groupNetwork, Run: Ask,
		Names:   []Name{uses(1, kindConn)},
		Summary: "send LINE and a newline on a grader connection, then read one line and check it is ANSWER and a newline",
		Detail: "Without ANSWER any line will do. -file takes LINE and ANSWER from a file of the scenario instead, its " +
			"first line and its second (if any). -prefix: the line must begin with ANSWER. -after: the answer must not " +
			"come before DURATION has passed since LINE went out (a wait the program must not cut short)."},
	{Name: "getwait", Args: "[-within DURATION] CONN QUEUE MS", Group: groupNetwork, Run: GetWait,
		Names:   []Name{uses(1, kindConn)},
		Summary: "start a GET that waits MS milliseconds on QUEUE, on a grader connection, in an order the grader can rely on",
		Detail: "It sends LEN QUEUE and GET QUEUE MS in one write, reads the LEN's answer (a line beginning with " +
			"LEN), then gives the program 100 ms to start the GET's wait, which nothing outside it shows. The GET's " +
			"answer is left for recvline."},
	{Name: "load", Args: "[-to PROGRAM] [-producers P] [-consumers C] [-messages N] [-queues Q] [-window W] [-getwindow G] [-wait MS] NAME NETWORK ADDRESS",
		Group: groupNetwork, Background: true, Run: LoadCmd,
		Names:   []Name{defines(kindLoad, 1), awaits(kindProgram, "to")},
		Summary: "start a load of P producers and C consumers on a queue daemon, each on a connection of its own",
		Detail: "It opens every connection first (retrying as dial does), then each producer PUTs N messages of its " +
			"own, spread over the queues NAME1 ... NAMEQ, W at a time (in one write, then their W answers); each " +
			"consumer takes from one queue (consumer k from NAME((k-1)%Q+1)) with GETs that wait MS milliseconds " +
			"(100 unless -wait), G at a time (1 unless -getwindow), until every message acknowledged (OK) was " +
			"received, or a GET it sent once every producer was done is answered EMPTY. With no consumers the messages " +
			"stay; otherwise there is one a queue at least. A connection that fails stops its producer or consumer. " +
			"loaded checks the load; loadprogress waits for it to get somewhere; recovered checks a restarted daemon " +
			"against it."},
	{Name: "loadprogress", Args: "[-within DURATION] NAME ACKED RECEIVED", Group: groupNetwork, Run: LoadProgress,
		Names:   []Name{uses(1, kindLoad)},
		Summary: "wait until a load has had ACKED PUTs acknowledged and RECEIVED messages received",
		Detail:  "Fails if the load ends first. To crash the program in the middle of a load: signal it KILL next."},
	{Name: "loaded", Args: "[-within DURATION] NAME", Group: groupNetwork, Run: Loaded,
		Names:   []Name{uses(1, kindLoad)},
		Summary: "wait for a load to end, and check every message was delivered exactly once, in order",
		Detail: "Every connection must have ended as planned, every PUT been answered OK <id> (ids unique in each " +
			"queue, rising in each connection's PUTs on a queue), and every message been received by exactly one GET, " +
			"as MSG with its PUT's id, each consumer's messages in id order."},
	{Name: "recovered", Args: "[-within DURATION] [-to PROGRAM] NAME NETWORK ADDRESS", Group: groupNetwork, Run: Recovered,
		Names:   []Name{uses(1, kindLoad), awaits(kindProgram, "to")},
		Summary: "after a crash in the middle of a load and a restart, take every message of its queues and check them against the load",
		Detail: "It waits for the load to end (the crash ends its connections), connects to the restarted program " +
			"at ADDRESS, one connection a queue, and GETs each queue until EMPTY. It must give exactly the messages not " +
			"taken, in id order, with their ids: each one acknowledged (OK) and not received, once, and none received " +
			"before the crash; a PUT sent but not answered may be there, once, or not. The exception is the oldest " +
			"messages of a queue that its GETs left without an answer by the crash may have taken, as many as those " +
			"GETs. What came before the crash must hold together as loaded checks it."},
}

// Ask sends LINE and a newline, reads one line, and checks it.
//
//	ask [-within DURATION] [-after DURATION] [-prefix] CONN LINE [ANSWER]
//	ask [-within DURATION] [-after DURATION] [-prefix] -file FILE CONN
func Ask(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("ask")
	limit := fs.Duration("within", 0, "")
	after := fs.Duration("after", 0, "")
	prefix := fs.Bool("prefix", false, "")
	file := fs.String("file", "", "")
	args = parse(ts, fs, args, 1, 3)
	c := st.conn(ts, args[0])
	var line []byte
	var answer [][]byte // none, or the answer wanted
	switch {
	case *file != "" && len(args) == 1:
		parts := strings.SplitN(strings.TrimSuffix(ts.ReadFile(*file), "\n"), "\n", 3)
		if len(parts) == 3 {
			st.abort(ts, "ask: %s holds more than two lines (LINE, then ANSWER)", *file)
		}
		line = []byte(parts[0])
		if len(parts) == 2 {
			answer = [][]byte{[]byte(parts[1])}
		}
	case *file == "" && len(args) >= 2:
		line = text(ts, args[1])
		if len(args) == 3 {
			answer = [][]byte{text(ts, args[2])}
		}
	default:
		st.abort(ts, "usage: %s (LINE or -file, not both)", usage("ask"))
	}
	if bytes.ContainsRune(line, '\n') {
		st.abort(ts, "ask: LINE is one line: the grader adds the newline")
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	sent := time.Now()
	if n, err := c.Send(ctx, append(line, '\n'), 0, 0); err != nil {
		ts.Fatalf("the grader's connection %s could not send %s: %s after %d bytes went out%s",
			args[0], peer.Quote(append(line, '\n')), peer.Explain(err), n, hint(err))
	}
	got, err := c.RecvLine(ctx, maxRecv)
	took := time.Since(sent)
	asked := peer.QuoteCut(append(line, '\n'), shownCap)
	if err != nil {
		ts.Fatalf("the grader's connection %s sent %s and received %s", args[0], asked, received(got, err))
	}
	for _, want := range answer {
		answer := bytes.TrimSuffix(got, []byte("\n"))
		switch {
		case *prefix && !bytes.HasPrefix(answer, want):
			ts.Fatalf("the grader's connection %s sent %s and received %s; want a line beginning with %s",
				args[0], asked, quoteGot(got), peer.QuoteCut(want, shownCap))
		case !*prefix && !bytes.Equal(answer, want):
			ts.Fatalf("the grader's connection %s sent %s and received %s; want %s",
				args[0], asked, quoteGot(got), peer.QuoteCut(append(want, '\n'), shownCap))
		}
	}
	if took < *after {
		ts.Fatalf("the grader's connection %s sent %s and received %s after %v; want the answer after %v at the earliest",
			args[0], asked, quoteGot(got), took.Round(time.Millisecond), *after)
	}
}

// GetWait starts a GET that waits, in an order the grader can rely on.
//
//	getwait [-within DURATION] CONN QUEUE MS
func GetWait(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("getwait")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, 3)
	c := st.conn(ts, args[0])
	ms, err := strconv.Atoi(args[2])
	if err != nil || ms < 0 {
		st.abort(ts, "getwait: MS must be a number of milliseconds, got %q", args[2])
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := peer.Waiting(ctx, c, args[1], ms, WaitSettle); err != nil {
		ts.Fatalf("the grader's connection %s %v", args[0], err)
	}
}

// LoadCmd starts a load of producers and consumers on a queue daemon.
//
//	load [-to PROGRAM] [-producers P] [-consumers C] [-messages N] [-queues Q] [-window W] [-getwindow G] [-wait MS] NAME NETWORK ADDRESS
func LoadCmd(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("load")
	to := fs.String("to", "", "")
	spec := peer.LoadSpec{}
	fs.IntVar(&spec.Producers, "producers", 1, "")
	fs.IntVar(&spec.Consumers, "consumers", 1, "")
	fs.IntVar(&spec.Messages, "messages", 1, "")
	fs.IntVar(&spec.Queues, "queues", 1, "")
	fs.IntVar(&spec.Window, "window", 1, "")
	fs.IntVar(&spec.GetWindow, "getwindow", 1, "")
	fs.IntVar(&spec.Wait, "wait", 100, "")
	args = parse(ts, fs, args, 3, 3)
	spec.Name = args[0]
	switch {
	case !loadName(spec.Name):
		st.abort(ts, "load: NAME makes the queues' names: letters, digits, '_', '.' or '-', at most 60")
	case spec.Producers < 0 || spec.Consumers < 0 || spec.Producers+spec.Consumers < 1 || spec.Producers+spec.Consumers > 512:
		st.abort(ts, "load: 1 to 512 connections in all (-producers and -consumers)")
	case spec.Messages < 1 || spec.Producers*spec.Messages > 1_000_000:
		st.abort(ts, "load: -messages must be at least 1, and a million in all at most")
	case spec.Queues < 1 || spec.Queues > 1000 || spec.Window < 1 || spec.GetWindow < 1 || spec.Wait < 0 || spec.Wait > 60000:
		st.abort(ts, "load: -queues 1 to 1000, -window and -getwindow at least 1, -wait 0 to 60000")
	case spec.Consumers > 0 && spec.Consumers < spec.Queues:
		st.abort(ts, "load: a consumer for each queue at least (or none: the messages stay)")
	}
	ctx, cancel := within(st, 0)
	defer cancel()
	conns, err := peer.DialGroup(ctx, args[1], args[2], spec.Producers+spec.Consumers, st.giveUp(*to))
	if err != nil {
		ts.Fatalf("the load %s cannot connect %d clients to %s: %v", args[0], spec.Producers+spec.Consumers, args[2], err)
	}
	// The load goes on in the scenario's time, after the command.
	st.keep(ts, kindLoad, args[0], peer.StartLoad(st.ctx, spec, conns))
}

// loadName reports whether name can begin the names of a load's queues.
func loadName(name string) bool {
	if name == "" || len(name) > 60 {
		return false
	}
	return strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == ""
}

// LoadProgress waits until a load has had ACKED PUTs acknowledged and
// RECEIVED messages received.
//
//	loadprogress [-within DURATION] NAME ACKED RECEIVED
func LoadProgress(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("loadprogress")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, 3)
	l := lookup[*peer.Load](ts, st, kindLoad, args[0])
	acked, err1 := strconv.Atoi(args[1])
	got, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || acked < 0 || got < 0 {
		st.abort(ts, "usage: %s (ACKED and RECEIVED are counts)", usage("loadprogress"))
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := l.WaitProgress(ctx, acked, got); err != nil {
		ts.Fatalf("the load %s did not get to %d PUTs acknowledged and %d messages received: %v", args[0], acked, got, err)
	}
}

// Loaded waits for a load to end and checks it.
//
//	loaded [-within DURATION] NAME
func Loaded(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("loaded")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 1)
	l := lookup[*peer.Load](ts, st, kindLoad, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := l.Wait(ctx); err != nil {
		ts.Fatalf("the load %s did not end: %v", args[0], err)
	}
	if p := l.Problems(); len(p) > 0 {
		ts.Fatalf("the load %s: %s", args[0], problemLines(p, l.Summary()))
	}
}

// Recovered checks what a program restarted after a crash in the middle
// of a load holds.
//
//	recovered [-within DURATION] [-to PROGRAM] NAME NETWORK ADDRESS
func Recovered(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("recovered")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 3, 3)
	l := lookup[*peer.Load](ts, st, kindLoad, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := l.Wait(ctx); err != nil {
		ts.Fatalf("the load %s did not end: %v", args[0], err)
	}
	conns, err := peer.DialGroup(ctx, args[1], args[2], l.Spec.Queues, st.giveUp(*to))
	if err != nil {
		ts.Fatalf("cannot connect to %s after the restart: %v", args[2], err)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	left := l.TakeAll(ctx, conns)
	if p := l.Recovered(left); len(p) > 0 {
		ts.Fatalf("the load %s, then the restart: %s", args[0], problemLines(p, l.Summary()))
	}
}

// problemLines shows the first problem on the line of the failure, the
// others one a line below it, then what the load did.
func problemLines(problems []string, summary string) string {
	var b strings.Builder
	b.WriteString(problems[0])
	for _, p := range problems[1:] {
		fmt.Fprintf(&b, "\n  - also: %s", p)
	}
	fmt.Fprintf(&b, "\n  (the load: %s)", summary)
	return b.String()
}

// reportLoad tells what a load did.
func reportLoad(b *strings.Builder, name string, r Resource) {
	fmt.Fprintf(b, "grader load %s: %s\n", name, r.(*peer.Load).Summary())
}

// Interfaces the queue's kinds rely on.
var _ Resource = (*peer.Load)(nil)
