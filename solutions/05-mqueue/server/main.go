// Command server is the reference solution for assignment 05-mqueue: a
// message queue daemon. Clients PUT messages on named queues and GET them
// back, each message once and in order, whatever the number of clients;
// a GET may wait for a message. With -data DIR the queues are kept in a
// log in DIR, and survive a crash.
//
// Usage: server [-data DIR] PORT
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// maxLine is the longest request line, its newline not counted.
	maxLine = 4200
	// maxMessage is the longest message a PUT takes.
	maxMessage = 4096
	// maxQueued is how many messages a queue holds at most.
	maxQueued = 10000
	// maxWait is the longest a GET may wait, in milliseconds.
	maxWait = 60000
	// maxClients is how many clients the server serves at once.
	maxClients = 64
	// drainWait is how long a read waits for bytes once the server is
	// shutting down: what the client had sent is there already.
	drainWait = 100 * time.Millisecond
	// shutdownLimit bounds the whole shutdown.
	shutdownLimit = 1500 * time.Millisecond
)

// validName is the shape of a queue's name.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// fail prints an error line on stderr and exits with status 1.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// ---- The queues ----

// A message is what one PUT put on a queue.
type message struct {
	id   int64
	body string
	// ready: on disk (with -data), so that a GET may take it. The
	// messages of a queue become ready in the order of their ids.
	ready bool
}

// A waiter is a GET waiting for a message: the broker hands it one on
// got, with the place in the log of the record that says it was taken.
type waiter struct {
	got chan handed
}

type handed struct {
	m   *message
	seq uint64
}

// A queue holds its messages oldest first, and the GETs waiting on it in
// the order they started waiting. A queue nobody used is an empty one, the
// zero value.
type queue struct {
	msgs    []*message
	ready   int   // how many of msgs, from the first, are ready
	last    int64 // the id of the last message put: ids go on from it
	waiters []*waiter
}

// unready is a message put but not on disk yet, in the order of the log.
type unready struct {
	name string
	m    *message
	seq  uint64
}

// The broker holds every queue, by name: a queue is changed by taking it
// out of the map and storing it back. Its mutex guards them all: every
// connection's goroutine goes through it.
type broker struct {
	mu      sync.Mutex
	queues  map[string]queue
	log     *journal // nil: the queues live in memory only
	pending []unready
}

var errFull = errors.New("queue full")

// put adds a message to the queue called name and returns its id, and the
// place of its record in the log: the message is durable, and may be
// answered OK, once the log has that record on disk (journal.wait).
func (b *broker) put(name, body string) (int64, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[name]
	if len(q.msgs) >= maxQueued {
		return 0, 0, errFull // a refused PUT uses no id
	}
	q.last++
	m := &message{id: q.last, body: body}
	q.msgs = append(q.msgs, m)
	var seq uint64
	if b.log == nil {
		m.ready = true
		q.ready++
		b.serve(name, &q)
	} else {
		seq = b.log.add(putRecord(name, m.id, body))
		b.pending = append(b.pending, unready{name, m, seq})
	}
	b.queues[name] = q
	return m.id, seq, nil
}

// publish makes the messages whose records are on disk, up to seq, ready:
// the journal calls it after each sync.
func (b *broker) publish(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, u := range b.pending {
		if u.seq > seq {
			break
		}
		q := b.queues[u.name]
		u.m.ready = true
		q.ready++
		b.serve(u.name, &q)
		b.queues[u.name] = q
		n++
	}
	b.pending = b.pending[n:]
}

// serve hands the ready messages of q to the GETs waiting on it, the
// oldest message to the first waiter.
func (b *broker) serve(name string, q *queue) {
	for q.ready > 0 && len(q.waiters) > 0 {
		w := q.waiters[0]
		q.waiters = q.waiters[1:]
		m, seq := b.take(name, q)
		w.got <- handed{m, seq}
	}
}

// take takes the oldest ready message of q, and records that it was
// taken: it must not come back after a crash once its MSG is written.
func (b *broker) take(name string, q *queue) (*message, uint64) {
	m := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	q.ready--
	var seq uint64
	if b.log != nil {
		seq = b.log.add(takeRecord(name, m.id))
	}
	return m, seq
}

// get takes the oldest ready message of the queue called name, if there
// is one. If not and wait, it returns a waiter, which the broker hands
// the next message to.
func (b *broker) get(name string, wait bool) (*message, uint64, *waiter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[name]
	switch {
	case q.ready > 0:
		m, seq := b.take(name, &q)
		b.queues[name] = q
		return m, seq, nil
	case !wait:
		return nil, 0, nil
	}
	w := &waiter{got: make(chan handed, 1)}
	q.waiters = append(q.waiters, w)
	b.queues[name] = q
	return nil, 0, w
}

// cancel stops w waiting on the queue called name. If the broker handed
// it a message meanwhile, the message is taken already: cancel returns it.
func (b *broker) cancel(name string, w *waiter) (handed, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[name]
	if i := slices.Index(q.waiters, w); i >= 0 {
		q.waiters = slices.Delete(q.waiters, i, i+1)
		b.queues[name] = q
		return handed{}, false
	}
	return <-w.got, true
}

// length returns how many messages a GET could take from the queue.
func (b *broker) length(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.queues[name].ready
}

// ---- The log on disk (-data DIR) ----

// The log is a file of lines, one record each:
//
//	PUT <queue> <id> <message>   a message was put
//	TAKE <queue> <id>            it was taken
//	LAST <queue> <id>            the last id given (written by compaction)
//
// A message holds no newline, so a line is a record; a last line without
// its newline was cut short by a crash, and was never acknowledged.
const (
	logName  = "queue.log"
	lockName = "lock"
)

func putRecord(q string, id int64, body string) []byte {
	return []byte(fmt.Sprintf("PUT %s %d %s\n", q, id, body))
}

func takeRecord(q string, id int64) []byte {
	return []byte(fmt.Sprintf("TAKE %s %d\n", q, id))
}

// A journal appends records to the log and puts them on disk in batches:
// one fsync for every record added while the one before ran (group
// commit), so that many clients cost few syncs.
type journal struct {
	file *os.File
	w    *bufio.Writer
	b    *broker

	mu      sync.Mutex
	cond    *sync.Cond
	added   uint64 // records added (their seq goes from 1)
	synced  uint64 // records on disk
	closing bool
	done    chan struct{}
}

// add appends a record and returns its place in the log.
func (j *journal) add(rec []byte) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.w.Write(rec)
	j.added++
	j.cond.Broadcast()
	return j.added
}

// wait waits until the record at seq is on disk. A nil journal (memory
// only) and seq 0 have nothing to wait for.
func (j *journal) wait(seq uint64) {
	if j == nil || seq == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.synced < seq {
		j.cond.Wait()
	}
}

// run writes and syncs the records as they come, until close.
func (j *journal) run() {
	defer close(j.done)
	for {
		j.mu.Lock()
		for j.added == j.synced && !j.closing {
			j.cond.Wait()
		}
		if j.added == j.synced {
			j.mu.Unlock()
			return
		}
		upto := j.added
		err := j.w.Flush()
		j.mu.Unlock()
		if err == nil {
			err = j.file.Sync() // fsync(): on the disk, not only in the kernel's cache
		}
		if err != nil {
			fail("ERROR writing data: %v", err)
		}
		j.b.publish(upto)
		j.mu.Lock()
		j.synced = upto
		j.cond.Broadcast()
		j.mu.Unlock()
	}
}

// close waits for every record to be on disk, and closes the log.
func (j *journal) close() {
	j.mu.Lock()
	j.closing = true
	j.cond.Broadcast()
	j.mu.Unlock()
	<-j.done
	j.w.Flush()
	j.file.Sync()
	j.file.Close()
}

// openData locks DIR, reads its log into b, and opens the log for the
// records to come. The lock is held as long as the process lives.
func openData(b *broker, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { // DIR made if need be
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	// flock(): another process holding it makes this fail at once. The
	// system drops it when this process ends, however it ends.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			fail("ERROR data directory in use")
		}
		return err
	}
	locked = lock
	path := filepath.Join(dir, logName)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := replay(b, data); err != nil {
		return err
	}
	if err := compact(b, dir); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// A batch of records goes out in one write: the buffer holds a large one.
	j := &journal{file: f, w: bufio.NewWriterSize(f, 1<<20), b: b, done: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	b.log = j
	go j.run()
	return nil
}

// locked is the data directory's lock file, kept open (and so locked)
// until the process ends.
var locked *os.File

// replay rebuilds the queues from the log's records.
func replay(b *broker, data []byte) error {
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // a record cut short by a crash: never acknowledged
		}
		line := string(data[:i])
		data = data[i+1:]
		parts := strings.SplitN(line, " ", 4)
		if len(parts) < 3 {
			return fmt.Errorf("%s line %d: bad record", logName, n)
		}
		id, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return fmt.Errorf("%s line %d: bad id", logName, n)
		}
		name := parts[1]
		q := b.queues[name]
		switch {
		case parts[0] == "PUT" && len(parts) == 4:
			q.msgs = append(q.msgs, &message{id: id, body: parts[3], ready: true})
			q.ready++
			q.last = max(q.last, id)
		case parts[0] == "TAKE" && len(parts) == 3:
			if i := slices.IndexFunc(q.msgs, func(m *message) bool { return m.id == id }); i >= 0 {
				q.msgs = slices.Delete(q.msgs, i, i+1)
				q.ready--
			}
		case parts[0] == "LAST" && len(parts) == 3:
			q.last = max(q.last, id)
		default:
			return fmt.Errorf("%s line %d: bad record", logName, n)
		}
		b.queues[name] = q
	}
	return nil
}

// compact writes the queues as they are now to a new log, and puts it in
// the old one's place in one step (rename): a crash leaves one or the
// other, whole.
func compact(b *broker, dir string) error {
	var buf bytes.Buffer
	names := make([]string, 0, len(b.queues))
	for name := range b.queues {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		q := b.queues[name]
		fmt.Fprintf(&buf, "LAST %s %d\n", name, q.last)
		for _, m := range q.msgs {
			buf.Write(putRecord(name, m.id, m.body))
		}
	}
	tmp := filepath.Join(dir, logName+".new")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, logName)); err != nil {
		return err
	}
	// The rename is a change of the directory: sync it too.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ---- The clients ----

// A request is a line a client sent, or the news that its line was too
// long.
type request struct {
	line    string
	tooLong bool
}

// A client is one connection being served: a goroutine reads its lines,
// another answers them, one at a time.
type client struct {
	conn  net.Conn
	out   *bufio.Writer // the answers, written out when no request waits, and before a GET waits
	lines chan request
	gone  chan struct{} // closed once the reader stopped: EOF, an error, or the shutdown's deadline
	done  chan struct{} // closed once the answering stopped
}

// server is what the goroutines serving the clients share.
type server struct {
	b *broker

	mu       sync.Mutex
	conns    map[net.Conn]bool
	draining bool
	quit     chan struct{} // closed when the server shuts down
	clients  sync.WaitGroup
}

// add counts a new client in, unless maxClients are being served already
// or the server is shutting down.
func (s *server) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining || len(s.conns) >= maxClients {
		return false
	}
	s.conns[c] = true
	s.clients.Add(1)
	return true
}

// remove counts a client out once its connection is closed.
func (s *server) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.clients.Done()
}

func (s *server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// read reads the client's lines until it closes, fails, sends a line too
// long, or the server shuts down and nothing more is there. It reads on
// while a GET waits, so that the GET learns at once that the client left.
func (s *server) read(c *client) {
	defer close(c.gone)
	defer close(c.lines)
	// A buffer of maxLine+1 bytes holds a longest line and its newline:
	// ReadSlice fails with ErrBufferFull on a longer one.
	r := bufio.NewReaderSize(c.conn, maxLine+1)
	for {
		if s.isDraining() {
			c.conn.SetReadDeadline(time.Now().Add(drainWait))
		}
		line, err := r.ReadSlice('\n')
		req := request{line: strings.TrimSuffix(string(line), "\n")}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			req = request{tooLong: true}
		case err != nil:
			return // EOF (text after the last newline is no request), a reset, the deadline
		}
		select {
		case c.lines <- req:
		case <-c.done:
			return
		}
		if req.tooLong {
			return
		}
	}
}

// serve answers the client's requests, one line each, in order. The
// answers to requests sent together go out together.
func (s *server) serve(c *client) {
	defer s.remove(c.conn)
	defer c.conn.Close()
	defer close(c.done)
	go s.read(c)
	for req := range c.lines {
		if req.tooLong {
			c.out.WriteString("ERR line too long\n")
			c.out.Flush()
			return
		}
		answer, bye := s.answer(c, req.line)
		c.out.WriteString(answer + "\n")
		if len(c.lines) == 0 || bye {
			if err := c.out.Flush(); err != nil {
				return // the client is gone: its connection only
			}
		}
		if bye {
			return
		}
	}
}

// answer carries out one request and returns its answer line, and whether
// the connection ends after it (QUIT).
func (s *server) answer(c *client, line string) (string, bool) {
	cmd, rest, _ := strings.Cut(line, " ")
	switch cmd {
	case "PUT":
		// The message is the rest of the line after the one space that
		// follows the queue's name: any bytes, spaces too, or none.
		name, body, _ := strings.Cut(rest, " ")
		switch {
		case !validName.MatchString(name):
			return "ERR bad queue name", false
		case len(body) > maxMessage:
			return "ERR message too long", false
		}
		id, seq, err := s.b.put(name, body)
		if err != nil {
			return "ERR " + err.Error(), false
		}
		s.b.log.wait(seq) // OK only once the message is on disk
		return fmt.Sprintf("OK %d", id), false
	case "GET":
		args := strings.Split(rest, " ")
		if len(args) > 2 || !validName.MatchString(args[0]) {
			return "ERR bad queue name", false
		}
		ms := 0
		if len(args) == 2 {
			var ok bool
			if ms, ok = waitTime(args[1]); !ok {
				return "ERR bad wait time", false
			}
		}
		return s.get(c, args[0], ms), false
	case "LEN":
		if !validName.MatchString(rest) {
			return "ERR bad queue name", false
		}
		return fmt.Sprintf("LEN %d", s.b.length(rest)), false
	case "QUIT":
		if line != "QUIT" {
			return "ERR QUIT takes nothing", false
		}
		return "BYE", true
	}
	return "ERR unknown command", false
}

// waitTime reads a GET's time to wait: digits, 0 to maxWait.
func waitTime(s string) (int, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	ms, err := strconv.Atoi(s)
	return ms, err == nil && ms <= maxWait
}

// get takes a message from the queue, waiting up to ms for one, and
// returns the answer: MSG or EMPTY. A wait ends early, taking nothing,
// when the client leaves or the server shuts down.
func (s *server) get(c *client, name string, ms int) string {
	m, seq, w := s.b.get(name, ms > 0)
	if w != nil {
		c.out.Flush() // the answers before this one go out before the wait
		timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer timer.Stop()
		var h handed
		select {
		case h = <-w.got:
		case <-timer.C:
		case <-c.gone:
		case <-s.quit:
		}
		if h.m == nil {
			h, _ = s.b.cancel(name, w)
		}
		m, seq = h.m, h.seq
	}
	if m == nil {
		return "EMPTY"
	}
	// Taken: recorded as taken (on disk) before the MSG goes out.
	s.b.log.wait(seq)
	return fmt.Sprintf("MSG %d %s", m.id, m.body)
}

// shutdown closes the listener, so that new clients are refused, and
// lets each connection finish what its client had sent.
func (s *server) shutdown(ln net.Listener) {
	s.mu.Lock()
	s.draining = true
	close(s.quit)
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	ln.Close()
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(drainWait))
		c.SetWriteDeadline(time.Now().Add(shutdownLimit))
	}
}

func main() {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	dir := flags.String("data", "", "")
	if err := flags.Parse(os.Args[1:]); err != nil || flags.NArg() > 1 {
		fail("usage: server [-data DIR] PORT")
	}
	if flags.NArg() == 0 {
		fail("ERROR, no port provided")
	}
	b := &broker{queues: make(map[string]queue)}
	if *dir != "" {
		if err := openData(b, *dir); err != nil {
			fail("ERROR data directory: %v", err)
		}
	}
	ln, err := net.Listen("tcp", ":"+flags.Arg(0))
	if err != nil {
		fail("ERROR on binding: %v", err)
	}
	s := &server{b: b, conns: make(map[net.Conn]bool), quit: make(chan struct{})}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		s.shutdown(ln)
	}()

	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isDraining() {
				break // the listener was closed to shut down
			}
			fail("ERROR on accept: %v", err)
		}
		if !s.add(conn) {
			conn.Write([]byte("ERR server busy\n"))
			conn.Close()
			continue
		}
		c := &client{conn: conn, out: bufio.NewWriter(conn), lines: make(chan request, 16),
			gone: make(chan struct{}), done: make(chan struct{})}
		go s.serve(c)
	}

	// Wait for the connections to drain, but never past the limit.
	drained := make(chan struct{})
	go func() {
		s.clients.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(shutdownLimit + 300*time.Millisecond):
	}
	if b.log != nil {
		b.log.close()
	}
}
