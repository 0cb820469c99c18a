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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The grader's side of a message queue daemon (05-mqueue): a load of
// producers and consumers, each on a connection of its own, which checks
// from the messages and ids it made and was given that every message
// acknowledged was delivered exactly once, in the order of its queue; and
// what a daemon restarted after a crash in the middle of a load still
// holds, against the load's record.
//
// The daemon's protocol, one answer line per request line: PUT <queue>
// <message> is answered OK <id>; GET <queue> [<ms>] is answered MSG <id>
// <message> or EMPTY; ids go 1, 2, 3, ... in each queue.

// A LoadSpec says what a load does.
type LoadSpec struct {
	Name      string // the queues are Name1 ... NameQ
	Producers int    // connections that PUT
	Consumers int    // connections that GET: consumer k takes from queue (k-1)%Queues+1
	Messages  int    // PUTs of each producer: message j of producer i goes on queue (i+j)%Queues+1
	Queues    int
	Window    int // PUTs a producer sends in one write before it reads their answers
	GetWindow int // GETs a consumer keeps sent ahead of their answers
	Wait      int // milliseconds a consumer's GET waits for a message
}

// Queue returns the name of the load's queue q, from 1.
func (s LoadSpec) Queue(q int) string { return s.Name + strconv.Itoa(q) }

// putQueue is the queue (from 1) of message j of producer i (both from 1).
func (s LoadSpec) putQueue(i, j int) int { return (i+j)%s.Queues + 1 }

// getQueue is the queue (from 1) consumer k (from 1) takes from.
func (s LoadSpec) getQueue(k int) int { return (k-1)%s.Queues + 1 }

// LoadMessage is message j of producer i (both from 1): unique, with
// spaces in it, ending in a letter.
func LoadMessage(i, j int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	fmt.Fprintf(&b, "p%d m%d ", i, j)
	n := (i*31 + j*17) % 23
	for k := range n {
		switch c := (i*7 + j*13 + k*5) % 31; {
		case c >= 26 && k > 0 && k < n-1:
			b.WriteByte(' ')
		default:
			b.WriteByte(letters[c%26])
		}
	}
	b.WriteByte('x')
	return b.String()
}

// What became of a PUT.
type putState uint8

const (
	notSent  putState = iota
	inFlight          // sent, no answer (yet)
	acked             // answered OK <id>
	refused           // answered something else
)

type loadPut struct {
	queue   int // from 1
	message string
	state   putState
	id      int64
	answer  string // a refused PUT's answer
}

// A loadMsg is a message a consumer received.
type loadMsg struct {
	id      int64
	message string
}

// putRef says which PUT a message is: producer i's message j (from 0).
type putRef struct{ i, j int }

// A Load is producers and consumers at work on a daemon's queues, in the
// background; its record says what each sent and received.
type Load struct {
	Spec  LoadSpec
	conns []*Conn // the producers', then the consumers'
	refs  map[string]putRef

	puts    [][]loadPut // by producer: written by its goroutine, under mu
	got     [][]loadMsg // by consumer: written by its goroutine
	waiting []int       // by consumer: its GETs without an answer when it stopped
	ends    []string    // by connection: how it ended, if not as planned

	acked, received atomic.Int64

	mu        sync.Mutex
	delivered map[string]int // times each message was received
	missing   int            // acknowledged messages not received yet
	producing int            // producers still at work
	ended     bool

	producersDone chan struct{}
	complete      chan struct{} // every message acknowledged was received
	done          chan struct{} // every producer and consumer has stopped
}

// loadAnswerMax bounds an answer line: MSG, an id and a longest message.
const loadAnswerMax = 16 << 10

// StartLoad starts a load on conns, spec.Producers connections then
// spec.Consumers, until ctx ends: each producer sends its PUTs, a window
// at a time; each consumer sends a GET that waits spec.Wait ms, then
// another once it is answered, until every message acknowledged was
// received, or it is answered EMPTY to a GET it sent once every producer
// was done (the daemon lost some). A connection that fails (the daemon
// closed it, or died) stops its producer or consumer. Done is closed once
// all have stopped; the load closes its connections then.
func StartLoad(ctx context.Context, spec LoadSpec, conns []*Conn) *Load {
	spec.Window, spec.GetWindow = max(spec.Window, 1), max(spec.GetWindow, 1)
	l := &Load{
		Spec:          spec,
		conns:         conns,
		refs:          make(map[string]putRef, spec.Producers*spec.Messages),
		puts:          make([][]loadPut, spec.Producers),
		got:           make([][]loadMsg, spec.Consumers),
		waiting:       make([]int, spec.Consumers),
		ends:          make([]string, len(conns)),
		delivered:     make(map[string]int, spec.Producers*spec.Messages),
		producing:     spec.Producers,
		producersDone: make(chan struct{}),
		complete:      make(chan struct{}),
		done:          make(chan struct{}),
	}
	for i := range spec.Producers {
		l.puts[i] = make([]loadPut, spec.Messages)
		for j := range spec.Messages {
			m := LoadMessage(i+1, j+1)
			l.puts[i][j] = loadPut{queue: spec.putQueue(i+1, j+1), message: m}
			l.refs[m] = putRef{i, j}
		}
	}
	if spec.Producers == 0 {
		close(l.producersDone)
	}
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Unix(1, 0))
		}
	})
	var wg sync.WaitGroup
	for i := range spec.Producers {
		wg.Go(func() { l.produce(i) })
	}
	for k := range spec.Consumers {
		wg.Go(func() { l.consume(k) })
	}
	go func() {
		wg.Wait()
		stop()
		for _, c := range conns {
			c.Close()
		}
		l.mu.Lock()
		l.ended = true
		l.mu.Unlock()
		close(l.done)
	}()
	return l
}

// Done is closed once every producer and consumer of the load has
// stopped.
func (l *Load) Done() <-chan struct{} { return l.done }

// Counts returns how many PUTs were acknowledged and how many messages
// received, so far.
func (l *Load) Counts() (acked, received int) {
	return int(l.acked.Load()), int(l.received.Load())
}

// readAnswer reads one answer line, without its newline.
func readAnswer(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", fmt.Errorf("an answer line longer than %d bytes", loadAnswerMax)
	case err == io.EOF && len(line) > 0:
		return "", fmt.Errorf("%s then EOF, no newline", QuoteCut(line, 60))
	case err != nil:
		return "", err
	}
	return string(line[:len(line)-1]), nil
}

// setEnd records how connection n ended, when not as planned.
func (l *Load) setEnd(n int, format string, args ...any) {
	l.ends[n] = fmt.Sprintf(format, args...)
}

// produce sends producer i's PUTs, a window at a time, and reads their
// answers.
func (l *Load) produce(i int) {
	defer l.producerDone()
	c, puts, spec := l.conns[i], l.puts[i], l.Spec
	r := bufio.NewReaderSize(c.Conn, loadAnswerMax)
	answered := 0
	for start := 0; start < len(puts); start += spec.Window {
		end := min(start+spec.Window, len(puts))
		var req []byte
		l.mu.Lock()
		for k := start; k < end; k++ {
			req = fmt.Appendf(req, "PUT %s %s\n", spec.Queue(puts[k].queue), puts[k].message)
			puts[k].state = inFlight
		}
		l.mu.Unlock()
		if _, err := c.Conn.Write(req); err != nil {
			l.setEnd(i, "producer %d could not send its PUTs after %d of %d were answered: %s",
				i+1, answered, len(puts), Explain(err))
			return
		}
		for k := start; k < end; k++ {
			line, err := readAnswer(r)
			if err != nil {
				l.setEnd(i, "producer %d received %s after %d of its %d PUTs were answered",
					i+1, Explain(err), answered, len(puts))
				return
			}
			answered++
			l.answerPut(&puts[k], line)
		}
	}
}

// answerPut records the answer to a PUT.
func (l *Load) answerPut(p *loadPut, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rest, ok := strings.CutPrefix(line, "OK ")
	id, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || id < 1 || rest != strconv.FormatInt(id, 10) {
		p.state, p.answer = refused, line
		return
	}
	p.state, p.id = acked, id
	if l.delivered[p.message] == 0 {
		l.missing++
	}
	l.acked.Add(1)
}

func (l *Load) producerDone() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.producing--
	if l.producing == 0 {
		close(l.producersDone)
	}
	l.checkComplete()
}

// checkComplete closes complete once every producer is done and every
// message acknowledged was received. Called with mu held.
func (l *Load) checkComplete() {
	select {
	case <-l.complete:
	default:
		if l.producing == 0 && l.missing == 0 {
			close(l.complete)
			// Wake the consumers that wait for an answer: there is
			// nothing more to take.
			for _, c := range l.conns[l.Spec.Producers:] {
				c.SetReadDeadline(time.Unix(1, 0))
			}
		}
	}
}

func chanClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// consume sends consumer k's GETs, GetWindow of them ahead of their
// answers, and records what they take.
func (l *Load) consume(k int) {
	n := l.Spec.Producers + k
	c := l.conns[n]
	r := bufio.NewReaderSize(c.Conn, loadAnswerMax)
	name := l.Spec.Queue(l.Spec.getQueue(k + 1))
	req := fmt.Sprintf("GET %s %d\n", name, l.Spec.Wait)
	var last []bool // for each GET sent and not answered: sent once every producer was done
	for {
		if chanClosed(l.complete) {
			return
		}
		if more := l.Spec.GetWindow - len(last); more > 0 {
			done := chanClosed(l.producersDone) // an EMPTY now means the queue stays empty
			for range more {
				last = append(last, done)
			}
			l.waiting[k] = len(last)
			if _, err := c.Conn.Write([]byte(strings.Repeat(req, more))); err != nil {
				if !chanClosed(l.complete) {
					l.setEnd(n, "consumer %d (of queue %s) could not send a GET after it received %d messages: %s",
						k+1, name, len(l.got[k]), Explain(err))
				}
				return
			}
		}
		line, err := readAnswer(r)
		if err != nil {
			if !chanClosed(l.complete) {
				l.setEnd(n, "consumer %d (of queue %s) received %s after %d messages",
					k+1, name, Explain(err), len(l.got[k]))
			}
			return
		}
		final := last[0]
		last = last[1:]
		l.waiting[k] = len(last)
		if line == "EMPTY" {
			if final {
				return
			}
			continue
		}
		m, ok := parseMsg(line)
		if !ok {
			l.setEnd(n, "consumer %d sent %q and received %s; want MSG <id> <message> or EMPTY",
				k+1, strings.TrimSuffix(req, "\n"), QuoteCut([]byte(line), 80))
			return
		}
		l.got[k] = append(l.got[k], m)
		l.received.Add(1)
		l.deliver(m.message)
	}
}

// parseMsg reads "MSG <id> <message>".
func parseMsg(line string) (loadMsg, bool) {
	rest, ok := strings.CutPrefix(line, "MSG ")
	if !ok {
		return loadMsg{}, false
	}
	idText, message, ok := strings.Cut(rest, " ")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id < 1 {
		return loadMsg{}, false
	}
	return loadMsg{id: id, message: message}, true
}

// deliver counts a message received.
func (l *Load) deliver(message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delivered[message]++
	if ref, ok := l.refs[message]; ok && l.delivered[message] == 1 && l.puts[ref.i][ref.j].state == acked {
		l.missing--
	}
	l.checkComplete()
}

// WaitProgress waits until the load has had at least acked PUTs
// acknowledged and received messages received. It fails if the load ends
// first, or ctx does.
func (l *Load) WaitProgress(ctx context.Context, acked, received int) error {
	for {
		a, r := l.Counts()
		if a >= acked && r >= received {
			return nil
		}
		if chanClosed(l.done) {
			return fmt.Errorf("the load ended with %d PUTs acknowledged and %d messages received: %s",
				a, r, l.Summary())
		}
		if err := pause(ctx, time.Millisecond); err != nil {
			return fmt.Errorf("%d PUTs acknowledged and %d messages received at the time limit", a, r)
		}
	}
}

// Wait waits until the load has ended (Done), or ctx ends.
func (l *Load) Wait(ctx context.Context) error {
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		a, r := l.Counts()
		return fmt.Errorf("the load was still going at the time limit: %d PUTs acknowledged, %d messages received", a, r)
	}
}

// Summary says in one line what the load did: how many PUTs were
// acknowledged, how many messages received, and the first connection
// that did not end as planned.
func (l *Load) Summary() string {
	a, r := l.Counts()
	s := fmt.Sprintf("%d producers and %d consumers on %d queues; %d of %d PUTs acknowledged, %d messages received",
		l.Spec.Producers, l.Spec.Consumers, l.Spec.Queues, a, l.Spec.Producers*l.Spec.Messages, r)
	if !chanClosed(l.done) {
		return s + "; still going"
	}
	if first, n := l.firstEnd(); n > 0 {
		s += fmt.Sprintf("; %s", first)
		if n > 1 {
			s += fmt.Sprintf(" (and %d more connections ended before their time)", n-1)
		}
	}
	return s
}

// firstEnd returns the first connection's end that was not as planned,
// and how many there were.
func (l *Load) firstEnd() (string, int) {
	first, n := "", 0
	for _, e := range l.ends {
		if e != "" {
			if n == 0 {
				first = e
			}
			n++
		}
	}
	return first, n
}

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
