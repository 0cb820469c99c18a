package peer

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Checking a load: what a daemon did with the PUTs and GETs of a load
// (queue.go), and what it held after a crash and a restart.

// Problems lists what went wrong in the load, which must have ended:
// every connection must have ended as planned, every PUT been answered
// OK, and every message acknowledged been received exactly once, with
// the id its PUT was given, by consumers of its queue each in id order.
// Each problem is one line, the most telling first; nil when none.
func (l *Load) Problems() []string {
	var p problems
	if first, n := l.firstEnd(); n > 0 {
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (and %d more connections ended before their time: did the program exit?)", n-1)
		}
		p.add(first + more)
	}
	l.checkRecord(&p)
	var missing []string
	for i, puts := range l.puts {
		for j, put := range puts {
			if put.state == acked && l.delivered[put.message] == 0 {
				missing = append(missing, fmt.Sprintf("%s id %d %q (producer %d's message %d)",
					l.Spec.Queue(put.queue), put.id, put.message, i+1, j+1))
			}
		}
	}
	if len(missing) > 0 {
		p.add(fmt.Sprintf("%d of the messages acknowledged (OK) were never received by a GET: %s",
			len(missing), list(missing, 3)))
	}
	return p.lines
}

// checkRecord checks what the load's connections sent and received
// against each other: the answers to PUTs, the ids given, and the
// messages received.
func (l *Load) checkRecord(p *problems) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The answers to PUTs: OK and an id, unique in the queue, greater
	// than the one before in the same producer's PUTs on that queue.
	var badAnswers, twice, backwards []string
	owner := map[string]map[int64]putRef{}
	for i, puts := range l.puts {
		last := map[int]int64{}
		for j, put := range puts {
			switch put.state {
			case refused:
				badAnswers = append(badAnswers, fmt.Sprintf("PUT %s %s answered %s",
					l.Spec.Queue(put.queue), put.message, QuoteCut([]byte(put.answer), 60)))
				continue
			case acked:
			default:
				continue
			}
			q := l.Spec.Queue(put.queue)
			if owner[q] == nil {
				owner[q] = map[int64]putRef{}
			}
			if o, dup := owner[q][put.id]; dup {
				twice = append(twice, fmt.Sprintf("%s id %d to %q and to %q",
					q, put.id, l.puts[o.i][o.j].message, put.message))
			}
			owner[q][put.id] = putRef{i, j}
			if put.id <= last[put.queue] {
				backwards = append(backwards, fmt.Sprintf("producer %d got id %d on %s after id %d",
					i+1, put.id, q, last[put.queue]))
			}
			last[put.queue] = put.id
		}
	}
	if len(badAnswers) > 0 {
		p.add(fmt.Sprintf("%d PUTs were not answered OK <id>: %s", len(badAnswers), list(badAnswers, 2)))
	}
	if len(twice) > 0 {
		p.add(fmt.Sprintf("%d ids were given twice in a queue: %s", len(twice), list(twice, 2)))
	}
	if len(backwards) > 0 {
		p.add(fmt.Sprintf("%d PUTs got an id not above the one before on the same connection and queue: %s",
			len(backwards), list(backwards, 2)))
	}

	// The messages received: each one PUT on that queue, with its id,
	// received once, each consumer's in id order.
	var strange, wrongID, dup, order []string
	seen := map[string]int{}
	for k, msgs := range l.got {
		q := l.Spec.getQueue(k + 1)
		var last int64
		for _, m := range msgs {
			ref, ok := l.refs[m.message]
			switch {
			case !ok || l.puts[ref.i][ref.j].queue != q:
				strange = append(strange, fmt.Sprintf("MSG %d %s on %s", m.id, QuoteCut([]byte(m.message), 60), l.Spec.Queue(q)))
				continue
			case l.puts[ref.i][ref.j].state == acked && l.puts[ref.i][ref.j].id != m.id:
				wrongID = append(wrongID, fmt.Sprintf("MSG %d %s (its PUT was answered OK %d)",
					m.id, m.message, l.puts[ref.i][ref.j].id))
			}
			if seen[m.message]++; seen[m.message] == 2 {
				dup = append(dup, fmt.Sprintf("%s id %d %q", l.Spec.Queue(q), m.id, m.message))
			}
			if m.id <= last {
				order = append(order, fmt.Sprintf("consumer %d of %s received id %d after id %d",
					k+1, l.Spec.Queue(q), m.id, last))
			}
			last = m.id
		}
	}
	if len(dup) > 0 {
		p.add(fmt.Sprintf("%d messages were received twice or more: %s", len(dup), list(dup, 3)))
	}
	if len(strange) > 0 {
		p.add(fmt.Sprintf("%d messages received were never PUT on their queue: %s", len(strange), list(strange, 2)))
	}
	if len(wrongID) > 0 {
		p.add(fmt.Sprintf("%d messages came with an id other than their PUT's: %s", len(wrongID), list(wrongID, 2)))
	}
	if len(order) > 0 {
		p.add(fmt.Sprintf("%d messages were received before an older one of their queue (not in id order): %s",
			len(order), list(order, 2)))
	}
}

// problems gathers lines of problems.
type problems struct{ lines []string }

func (p *problems) add(s string) { p.lines = append(p.lines, s) }

// list shows the first n of items, and how many more there are.
func list(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; ... (%d more)", len(items)-n)
}

// A Leftover is what a queue held after a restart, taken with GETs until
// EMPTY.
type Leftover struct {
	Queue int // from 1
	Msgs  []loadMsg
	Err   string // how taking them went wrong, if it did
}

// TakeAll takes every message of the load's queues from a daemon, on
// conns, one per queue: GETs that do not wait, until EMPTY. It takes at
// most a message more than the load ever PUT on each queue.
func (l *Load) TakeAll(ctx context.Context, conns []*Conn) []Leftover {
	out := make([]Leftover, l.Spec.Queues)
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Unix(1, 0))
		}
	})
	defer stop()
	var wg sync.WaitGroup
	for q := range l.Spec.Queues {
		wg.Go(func() {
			out[q] = l.takeAll(conns[q], q+1)
		})
	}
	wg.Wait()
	return out
}

func (l *Load) takeAll(c *Conn, q int) Leftover {
	lo := Leftover{Queue: q}
	name := l.Spec.Queue(q)
	r := bufio.NewReaderSize(c.Conn, loadAnswerMax)
	req := []byte("GET " + name + "\n")
	limit := l.Spec.Producers*l.Spec.Messages/l.Spec.Queues + l.Spec.Producers + 1
	for len(lo.Msgs) <= limit {
		if _, err := c.Conn.Write(req); err != nil {
			lo.Err = fmt.Sprintf("GET %s could not be sent after %d messages: %s", name, len(lo.Msgs), Explain(err))
			return lo
		}
		line, err := readAnswer(r)
		if err != nil {
			lo.Err = fmt.Sprintf("GET %s received %s after %d messages", name, Explain(err), len(lo.Msgs))
			return lo
		}
		if line == "EMPTY" {
			return lo
		}
		m, ok := parseMsg(line)
		if !ok {
			lo.Err = fmt.Sprintf("GET %s was answered %s; want MSG <id> <message> or EMPTY", name, QuoteCut([]byte(line), 80))
			return lo
		}
		lo.Msgs = append(lo.Msgs, m)
	}
	lo.Err = fmt.Sprintf("%s gave more than %d messages, more than the load ever PUT on it", name, limit)
	return lo
}

// Recovered checks what a restarted daemon held (left, taken with
// TakeAll) against the record of the load it crashed in, which must have
// ended. The restarted daemon must hold exactly the messages not taken
// yet, in order, with their ids: every message acknowledged (OK) and not
// received, once; none received; a PUT sent but not answered may be
// there, once, or not. The exception is the messages the crash may have
// taken without their MSG arriving: as many as the GETs of the queue that
// had no answer, and, since a queue gives its oldest message first, the
// oldest of those acknowledged and not received. What came before the
// crash must hold together too (Problems, less the connections that
// ended, which the crash ends).
func (l *Load) Recovered(left []Leftover) []string {
	var p problems
	for _, lo := range left {
		if lo.Err != "" {
			p.add(lo.Err)
		}
	}
	l.checkRecord(&p)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lo := range left {
		l.checkLeftover(&p, lo)
	}
	return p.lines
}

func (l *Load) checkLeftover(p *problems, lo Leftover) {
	name := l.Spec.Queue(lo.Queue)
	var back, strange, twice, wrongID, order []string
	here := map[string]bool{}
	var last int64
	for _, m := range lo.Msgs {
		ref, ok := l.refs[m.message]
		var put loadPut
		if ok {
			put = l.puts[ref.i][ref.j]
		}
		switch {
		case !ok || put.queue != lo.Queue || put.state == notSent:
			strange = append(strange, fmt.Sprintf("MSG %d %s", m.id, QuoteCut([]byte(m.message), 60)))
			continue
		case l.delivered[m.message] > 0:
			back = append(back, fmt.Sprintf("id %d %q", m.id, m.message))
		case put.state == acked && put.id != m.id:
			wrongID = append(wrongID, fmt.Sprintf("MSG %d %s (its PUT was answered OK %d)", m.id, m.message, put.id))
		}
		if here[m.message] {
			twice = append(twice, fmt.Sprintf("id %d %q", m.id, m.message))
		}
		here[m.message] = true
		if m.id <= last {
			order = append(order, fmt.Sprintf("id %d after id %d", m.id, last))
		}
		last = m.id
	}
	if len(back) > 0 {
		p.add(fmt.Sprintf("after the restart %s gave %d messages that a GET had received before the crash: %s",
			name, len(back), list(back, 3)))
	}
	if len(strange) > 0 {
		p.add(fmt.Sprintf("after the restart %s gave %d messages never PUT on it: %s", name, len(strange), list(strange, 2)))
	}
	if len(twice) > 0 {
		p.add(fmt.Sprintf("after the restart %s gave %d messages twice: %s", name, len(twice), list(twice, 2)))
	}
	if len(wrongID) > 0 {
		p.add(fmt.Sprintf("after the restart %s gave %d messages with an id other than their PUT's: %s",
			name, len(wrongID), list(wrongID, 2)))
	}
	if len(order) > 0 {
		p.add(fmt.Sprintf("after the restart %s gave its messages out of id order: %s", name, list(order, 2)))
	}

	// The messages acknowledged, not received, and not there.
	var gone []loadPut
	for _, puts := range l.puts {
		for _, put := range puts {
			if put.queue == lo.Queue && put.state == acked && l.delivered[put.message] == 0 && !here[put.message] {
				gone = append(gone, put)
			}
		}
	}
	if len(gone) == 0 {
		return
	}
	slices.SortFunc(gone, func(a, b loadPut) int { return cmp.Compare(a.id, b.id) })
	waiting := 0
	for k := range l.Spec.Consumers {
		if l.Spec.getQueue(k+1) == lo.Queue {
			waiting += l.waiting[k]
		}
	}
	oldest := len(lo.Msgs) == 0 || gone[len(gone)-1].id < lo.Msgs[0].id
	if len(gone) <= waiting && oldest {
		return // taken by the GETs the crash left without their answer
	}
	shown := make([]string, len(gone))
	for i, put := range gone {
		shown[i] = fmt.Sprintf("id %d %q", put.id, put.message)
	}
	excuse := "no GET of it was waiting for its answer at the crash"
	if waiting > 0 {
		excuse = fmt.Sprintf("%d GETs of it had no answer at the crash, which may have taken its %d oldest", waiting, waiting)
	}
	p.add(fmt.Sprintf("after the restart %s lacks %d messages acknowledged (OK) before the crash and never received (%s): %s",
		name, len(gone), excuse, list(shown, 3)))
}

// LoadTranscript is a line for the feedback: what the load did.
func (l *Load) Transcript() string { return l.Summary() }

// Close stops the load: its connections close, and its goroutines end.
func (l *Load) Close() error {
	for _, c := range l.conns {
		c.Close()
	}
	<-l.done
	return nil
}

// Waiting starts a GET that waits ms milliseconds on queue, on c, in a way
// the grader can order: it sends "LEN queue" and the GET in one write,
// reads the LEN's answer (the program has read the GET too, and answers
// its lines in order), then gives the program settle to start the GET's
// wait, which nothing outside it shows. The GET's answer is left for the
// scenario to read.
func Waiting(ctx context.Context, c *Conn, queue string, ms int, settle time.Duration) error {
	req := fmt.Sprintf("LEN %s\nGET %s %d\n", queue, queue, ms)
	if _, err := c.Send(ctx, []byte(req), 0, 0); err != nil {
		return fmt.Errorf("could not send %q: %s", req, Explain(err))
	}
	got, err := c.RecvLine(ctx, loadAnswerMax)
	if err != nil {
		return fmt.Errorf("sent %q and received %s then %s; want the LEN's answer first", req, QuoteCut(got, 80), Explain(err))
	}
	if !bytes.HasPrefix(got, []byte("LEN ")) {
		return fmt.Errorf("sent %q and received %s; want the LEN's answer first, a line LEN <n>", req, QuoteCut(got, 80))
	}
	return pause(ctx, settle)
}

// Interfaces a Load is used through.
var (
	_ io.Closer = (*Load)(nil)
	_ net.Conn  = (*Conn)(nil)
)
