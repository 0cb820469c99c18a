package peer

import (
	"bufio"
	"context"
	"fmt"
	"io"
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
