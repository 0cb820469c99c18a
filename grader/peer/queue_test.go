//go:build unix

package peer

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeQueues is a queue daemon for the tests: the protocol of 05-mqueue
// (PUT, GET with a wait, LEN), every request carried out and answered
// under one lock, with a fault if asked. Its "disk" is what a restart
// after a crash starts from.
type fakeQueues struct {
	t     *testing.T
	fault string // "" (none), "lose" (every 50th PUT answered OK is dropped), "dup" (every 50th GET leaves its message there), "lifo"

	// crashAt, if not 0, crashes the daemon (every connection reset at
	// once, nothing more answered) right after it answered that many
	// PUTs OK. forgetTakes keeps takes off the disk; diskLag keeps that
	// many of the last PUTs answered OK off it.
	crashAt     int
	crashGets   int // and taken that many messages
	forgetTakes bool
	diskLag     int

	mu      sync.Mutex
	queues  map[string]*fakeQueue
	disk    map[string]*fakeQueue
	lagging []string // queues of the PUTs not on the disk yet, oldest first
	oks     int
	gets    int
	changed chan struct{} // closed and made anew at each PUT
	crashed bool
	ln      net.Listener
	conns   []net.Conn
}

type fakeQueue struct {
	msgs []loadMsg
	last int64
}

func (q *fakeQueue) clone() *fakeQueue {
	return &fakeQueue{msgs: slices.Clone(q.msgs), last: q.last}
}

// serveQueues starts f on a loopback port and returns its address; it
// stops with the test.
func serveQueues(t *testing.T, f *fakeQueues) string {
	t.Helper()
	f.t = t
	if f.queues == nil {
		f.queues = map[string]*fakeQueue{}
	}
	if f.disk == nil {
		f.disk = map[string]*fakeQueue{}
	}
	f.changed = make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.ln = ln
	t.Cleanup(func() { f.crash() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			go f.serve(c)
		}
	}()
	return ln.Addr().String()
}

// restart returns a daemon that starts from f's disk, as a daemon
// restarted after f crashed.
func (f *fakeQueues) restart() *fakeQueues {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &fakeQueues{queues: map[string]*fakeQueue{}, disk: map[string]*fakeQueue{}}
	for name, q := range f.disk {
		g.queues[name], g.disk[name] = q.clone(), q.clone()
	}
	return g
}

// crash resets every connection and stops listening.
func (f *fakeQueues) crash() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crashLocked()
}

func (f *fakeQueues) crashLocked() {
	f.crashed = true
	f.ln.Close()
	for _, c := range f.conns {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
}

func (f *fakeQueues) queue(m map[string]*fakeQueue, name string) *fakeQueue {
	if m[name] == nil {
		m[name] = &fakeQueue{}
	}
	return m[name]
}

func (f *fakeQueues) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if !f.answer(c, strings.TrimSuffix(line, "\n")) {
			return
		}
	}
}

// answer carries out one request and writes its answer, all under the
// lock but for a GET's wait. It reports whether to go on.
func (f *fakeQueues) answer(c net.Conn, line string) bool {
	words := strings.SplitN(line, " ", 3)
	var deadline time.Time
	if words[0] == "GET" && len(words) == 3 {
		ms, _ := strconv.Atoi(words[2])
		deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
	for {
		f.mu.Lock()
		if f.crashed {
			f.mu.Unlock()
			return false
		}
		answer, wait := f.carryOut(words)
		if wait == nil || !time.Now().Before(deadline) {
			if wait != nil {
				answer = "EMPTY"
			}
			_, err := fmt.Fprintf(c, "%s\n", answer)
			if err == nil && strings.HasPrefix(answer, "OK ") {
				f.oks++
			}
			if f.crashAt > 0 && f.oks >= f.crashAt && f.gets >= f.crashGets {
				f.crashLocked()
			}
			f.mu.Unlock()
			return err == nil
		}
		f.mu.Unlock()
		select {
		case <-wait:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// carryOut carries out a request, under the lock. A GET that finds its
// queue empty returns the channel to wait on instead of an answer.
func (f *fakeQueues) carryOut(words []string) (string, chan struct{}) {
	switch {
	case words[0] == "PUT" && len(words) >= 2:
		body := ""
		if len(words) == 3 {
			body = words[2]
		}
		q := f.queue(f.queues, words[1])
		q.last++
		m := loadMsg{id: q.last, message: body}
		if f.fault == "lose" && q.last%50 == 0 {
			return fmt.Sprintf("OK %d", m.id), nil
		}
		q.msgs = append(q.msgs, m)
		d := f.queue(f.disk, words[1])
		d.msgs, d.last = append(d.msgs, m), m.id
		if f.lagging = append(f.lagging, words[1]); len(f.lagging) > f.diskLag {
			f.lagging = f.lagging[1:]
		}
		close(f.changed)
		f.changed = make(chan struct{})
		return fmt.Sprintf("OK %d", m.id), nil
	case words[0] == "GET" && len(words) >= 2:
		q := f.queue(f.queues, words[1])
		if len(q.msgs) == 0 {
			return "", f.changed
		}
		i := 0
		if f.fault == "lifo" {
			i = len(q.msgs) - 1
		}
		m := q.msgs[i]
		f.gets++
		if f.fault != "dup" || f.gets%50 != 0 {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			if d := f.disk[words[1]]; !f.forgetTakes {
				d.msgs = slices.DeleteFunc(d.msgs, func(x loadMsg) bool { return x.id == m.id })
			}
		}
		return fmt.Sprintf("MSG %d %s", m.id, m.message), nil
	case words[0] == "LEN" && len(words) == 2:
		return fmt.Sprintf("LEN %d", len(f.queue(f.queues, words[1]).msgs)), nil
	}
	return "ERR unknown command", nil
}

// diskWithoutLag is the disk less the PUTs that lag behind: what a
// daemon that answers OK before it writes has on its disk when it dies.
func (f *fakeQueues) dropLagging() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.lagging) - 1; i >= 0; i-- {
		d := f.disk[f.lagging[i]]
		if len(d.msgs) > 0 {
			d.msgs = d.msgs[:len(d.msgs)-1]
		}
	}
}

// runLoad runs a load of spec on the daemon at addr until it ends.
func runLoad(t *testing.T, addr string, spec LoadSpec) *Load {
	t.Helper()
	ctx := timeout(t, 10*time.Second)
	conns, err := DialGroup(ctx, "tcp", addr, spec.Producers+spec.Consumers, never(t))
	require.NoError(t, err)
	l := StartLoad(ctx, spec, conns)
	require.NoError(t, l.Wait(ctx))
	return l
}

var smallLoad = LoadSpec{Name: "t", Producers: 4, Consumers: 4, Messages: 100, Queues: 2, Window: 4, GetWindow: 2, Wait: 50}

func TestLoadMessage(t *testing.T) {
	seen := map[string]bool{}
	for i := 1; i <= 30; i++ {
		for j := 1; j <= 300; j++ {
			m := LoadMessage(i, j)
			require.False(t, seen[m], "LoadMessage(%d, %d) = %q twice", i, j, m)
			seen[m] = true
			require.True(t, strings.HasPrefix(m, fmt.Sprintf("p%d m%d ", i, j)), m)
			require.NotContains(t, m, "\n")
			require.NotContains(t, m, "  ")
			require.False(t, strings.HasSuffix(m, " "), m)
		}
	}
}

func TestLoadExactlyOnce(t *testing.T) {
	for _, spec := range []LoadSpec{smallLoad, {Name: "lockstep", Producers: 3, Consumers: 3, Messages: 60, Queues: 3, Window: 1, GetWindow: 1, Wait: 20}} {
		f := &fakeQueues{}
		l := runLoad(t, serveQueues(t, f), spec)
		assert.Empty(t, l.Problems())
		a, r := l.Counts()
		assert.Equal(t, spec.Producers*spec.Messages, a)
		assert.Equal(t, spec.Producers*spec.Messages, r)
		assert.Contains(t, l.Summary(), fmt.Sprintf("%d of %d PUTs acknowledged", a, a))
	}
}

func TestLoadLost(t *testing.T) {
	l := runLoad(t, serveQueues(t, &fakeQueues{fault: "lose"}), smallLoad)
	p := l.Problems()
	require.NotEmpty(t, p)
	assert.Contains(t, p[0], "8 of the messages acknowledged (OK) were never received by a GET: t")
}

func TestLoadDuplicated(t *testing.T) {
	l := runLoad(t, serveQueues(t, &fakeQueues{fault: "dup"}), smallLoad)
	p := strings.Join(l.Problems(), "\n")
	assert.Contains(t, p, "messages were received twice or more")
}

func TestLoadOutOfOrder(t *testing.T) {
	// A backlog first: the consumers start late, as GETs that wait.
	f := &fakeQueues{fault: "lifo"}
	addr := serveQueues(t, f)
	ctx := timeout(t, 10*time.Second)
	prod, err := DialGroup(ctx, "tcp", addr, 2, never(t))
	require.NoError(t, err)
	spec := LoadSpec{Name: "o", Producers: 2, Messages: 50, Queues: 1, Window: 10, Wait: 50}
	l := StartLoad(ctx, spec, prod)
	require.NoError(t, l.Wait(ctx))
	// The record of a load that produced only: the messages are all
	// there, in a stack.
	p := l.Problems()
	require.Len(t, p, 1)
	assert.Contains(t, p[0], "100 of the messages acknowledged (OK) were never received")
	// Consumers of the same names take them newest first.
	cons, err := DialGroup(ctx, "tcp", addr, 1, never(t))
	require.NoError(t, err)
	left := l.TakeAll(ctx, cons)
	require.Len(t, left[0].Msgs, 100)
	assert.Equal(t, int64(100), left[0].Msgs[0].id)
	got := strings.Join(l.Recovered(left), "\n")
	assert.Contains(t, got, "after the restart o1 gave its messages out of id order: id 99 after id 100")
}

func TestLoadEndsWhenTheDaemonDies(t *testing.T) {
	f := &fakeQueues{crashAt: 150}
	l := runLoad(t, serveQueues(t, f), smallLoad)
	p := l.Problems()
	require.NotEmpty(t, p)
	assert.Regexp(t, `^(producer|consumer) \d+ .*(reset|EOF).*did the program exit\?`, p[0])
	a, _ := l.Counts()
	assert.LessOrEqual(t, a, 150, "nothing is answered after the crash")
}

func TestLoadStrangeAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for puts := 0; ; {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					// The first PUT is acknowledged: the consumer must
					// wait for it, and meets the answer to its GET.
					if puts++; strings.HasPrefix(line, "PUT") && puts == 1 {
						fmt.Fprintf(c, "OK 1\n")
					} else if strings.HasPrefix(line, "PUT") {
						fmt.Fprintf(c, "ERR queue full\n")
					} else {
						fmt.Fprintf(c, "NOTHING\n")
					}
				}
			}()
		}
	}()
	l := runLoad(t, ln.Addr().String(), LoadSpec{Name: "s", Producers: 1, Consumers: 1, Messages: 3, Queues: 1, Window: 3, Wait: 10})
	p := strings.Join(l.Problems(), "\n")
	assert.Contains(t, p, `consumer 1 sent "GET s1 10" and received "NOTHING"; want MSG <id> <message> or EMPTY`)
	assert.Contains(t, p, `2 PUTs were not answered OK <id>: PUT s1 p1 m2`)
}

// crashAndRestart runs a load on f until it crashes, and returns the load
// and a daemon restarted from f's disk (with the lagging PUTs dropped, if
// lag).
func crashAndRestart(t *testing.T, f *fakeQueues, spec LoadSpec, lag bool) (*Load, []Leftover) {
	t.Helper()
	l := runLoad(t, serveQueues(t, f), spec)
	if lag {
		f.dropLagging()
	}
	g := f.restart()
	addr := serveQueues(t, g)
	ctx := timeout(t, 10*time.Second)
	conns, err := DialGroup(ctx, "tcp", addr, spec.Queues, never(t))
	require.NoError(t, err)
	return l, l.TakeAll(ctx, conns)
}

// kill9Load is a load with a backlog: producers faster than consumers.
var kill9Load = LoadSpec{Name: "k", Producers: 4, Consumers: 2, Messages: 200, Queues: 2, Window: 8, GetWindow: 1, Wait: 50}

func TestRecoveredHoldsTogether(t *testing.T) {
	l, left := crashAndRestart(t, &fakeQueues{crashAt: 300, crashGets: 20}, kill9Load, false)
	assert.Empty(t, l.Recovered(left))
	n := 0
	for _, lo := range left {
		n += len(lo.Msgs)
	}
	assert.Positive(t, n, "a backlog was there")
}

func TestRecoveredTakenComesBack(t *testing.T) {
	l, left := crashAndRestart(t, &fakeQueues{crashAt: 300, crashGets: 20, forgetTakes: true}, kill9Load, false)
	p := strings.Join(l.Recovered(left), "\n")
	assert.Regexp(t, `after the restart k\d gave \d+ messages that a GET had received before the crash: id 1 "p`, p)
}

func TestRecoveredLost(t *testing.T) {
	l, left := crashAndRestart(t, &fakeQueues{crashAt: 300, crashGets: 20, diskLag: 10}, kill9Load, true)
	p := strings.Join(l.Recovered(left), "\n")
	assert.Regexp(t, `after the restart k\d lacks \d+ messages acknowledged \(OK\) before the crash and never received`, p)
}

// TestRecoveredExcuse checks the messages that GETs without an answer may
// have taken: as many as those GETs, and the oldest.
func TestRecoveredExcuse(t *testing.T) {
	spec := LoadSpec{Name: "x", Producers: 1, Consumers: 1, Messages: 4, Queues: 1}
	l := &Load{Spec: spec, puts: [][]loadPut{make([]loadPut, 4)}, got: [][]loadMsg{nil}, waiting: []int{1},
		refs: map[string]putRef{}, delivered: map[string]int{}}
	for j := range 4 {
		m := LoadMessage(1, j+1)
		l.puts[0][j] = loadPut{queue: 1, message: m, state: acked, id: int64(j + 1)}
		l.refs[m] = putRef{0, j}
	}
	left := func(ids ...int64) []Leftover {
		lo := Leftover{Queue: 1}
		for _, id := range ids {
			lo.Msgs = append(lo.Msgs, loadMsg{id: id, message: LoadMessage(1, int(id))})
		}
		return []Leftover{lo}
	}
	assert.Empty(t, l.Recovered(left(1, 2, 3, 4)))
	assert.Empty(t, l.Recovered(left(2, 3, 4)), "the oldest, taken by the GET without an answer")
	p := l.Recovered(left(3, 4))
	require.Len(t, p, 1)
	assert.Contains(t, p[0], "x1 lacks 2 messages acknowledged (OK) before the crash and never received (1 GETs of it had no answer at the crash, which may have taken its 1 oldest)")
	p = l.Recovered(left(1, 2, 4))
	require.Len(t, p, 1)
	assert.Contains(t, p[0], `lacks 1 messages acknowledged (OK) before the crash and never received (1 GETs of it had no answer at the crash, which may have taken its 1 oldest): id 3 "p1 m3`)
	l.waiting[0] = 0
	p = l.Recovered(left(2, 3, 4))
	require.Len(t, p, 1)
	assert.Contains(t, p[0], "no GET of it was waiting for its answer at the crash")
	// Twice, strange, and with another id.
	lo := left(1, 2, 3, 4)
	lo[0].Msgs = append(lo[0].Msgs, loadMsg{id: 5, message: LoadMessage(1, 4)}, loadMsg{id: 6, message: "stranger"})
	lo[0].Msgs[0].id = 0
	p = l.Recovered(lo)
	joined := strings.Join(p, "\n")
	assert.Contains(t, joined, `gave 1 messages never PUT on it: MSG 6 "stranger"`)
	assert.Contains(t, joined, `gave 1 messages twice: id 5 "p1 m4`)
	assert.Contains(t, joined, `with an id other than their PUT's: MSG 0 p1 m1`)
}

func TestWaiting(t *testing.T) {
	f := &fakeQueues{}
	addr := serveQueues(t, f)
	ctx := timeout(t, 5*time.Second)
	w, err := Dial(ctx, "tcp", addr, never(t))
	require.NoError(t, err)
	defer w.Close()
	start := time.Now()
	require.NoError(t, Waiting(ctx, w, "q", 2000, 50*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "it settles")
	p, err := Dial(ctx, "tcp", addr, never(t))
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Send(ctx, []byte("PUT q wake\n"), 0, 0)
	require.NoError(t, err)
	got, err := w.RecvLine(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, "MSG 1 wake\n", string(got))

	// A program that does not answer LEN first.
	err = Waiting(ctx, p, "q", 10, 0) // p has "OK 1" to read first
	require.Error(t, err)
	assert.Contains(t, err.Error(), `received "OK 1\n"; want the LEN's answer first`)
}
