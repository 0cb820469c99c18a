// Command server is a message queue daemon: clients PUT messages on named
// queues and GET them back, each message once and in order; a GET may
// wait for a message; with -data DIR the queues survive a crash. The full
// contract is in assignments/05-mqueue/README.md.
//
// Usage:
//
//	server [-data DIR] PORT
//
// The plumbing of 04 is given below: the accept loop with the limit of
// 64 clients, a goroutine per client that reads its request lines, and
// the shutdown on SIGINT and SIGTERM. Yours are the TODOs: the arguments,
// the queues, the protocol, and the log on disk.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// The limits of the contract.
const (
	lineMax    = 4200  // bytes in a request line, its newline not counted
	messageMax = 4096  // bytes in a message
	queueMax   = 10000 // messages in a queue
	waitMax    = 60000 // milliseconds a GET may wait
	clientMax  = 64    // clients served at the same time
)

// How long the shutdown gives the clients.
const (
	drainRead  = 100 * time.Millisecond  // a read waits this long for what was sent already
	drainTotal = 1500 * time.Millisecond // the whole shutdown, at most
)

// ======== Yours: the arguments ========

// arguments returns the data directory ("" without -data) and the port.
func arguments() (dir, port string) {
	// TODO 1 (arguments): `server [-data DIR] PORT`. The flag package reads
	//   -data: flag.NewFlagSet("server", flag.ContinueOnError), a String
	//   flag, Parse(os.Args[1:]); SetOutput(io.Discard) keeps its own
	//   messages quiet. No PORT left: `ERROR, no port provided`; a parse
	//   error or more than one argument left: a usage line beginning with
	//   `usage`. Both on stderr, exit 1.
	return "", ""
}

// ======== Yours: the queues ========

// TODO 2 (the queues): a type for the daemon's queues, guarded by one
//   sync.Mutex, and methods for what the protocol does to them:
//   - put(name, message): refuse it if the queue holds queueMax messages
//     (`ERR queue full`, no id used); else give it the queue's next id and
//     add it at the end, or hand it at once to the first GET waiting on
//     that queue;
//   - take(name): the oldest message of the queue, if any;
//   - a GET that waits: under the mutex, if the queue is empty, add a
//     waiter (a channel with room for one message) to the queue's list of
//     waiters, and return it. Then, without the mutex, wait in a select:
//     a message on the channel, the timer (time.NewTimer), the client
//     gone (<-s.left), or the shutdown (<-d.stopping). On all but the
//     first, take the mutex again and remove the waiter: if it is not in
//     the list any more, a put handed it a message meanwhile, which is on
//     its channel now. Read it: it is taken, answer it.
//   - length(name): how many messages a GET could take.
//   A queue nobody used is an empty queue. Ids count from 1 in each queue.

// ======== Yours: the protocol ========

// answer carries out one request line of s and returns the answer line,
// without its newline, and whether to close the connection after it.
func (d *daemon) answer(s *session, line string) (reply string, closeAfter bool) {
	// TODO 3 (the protocol): split the line at its first space
	//   (strings.Cut) and carry out the command, as the README's table
	//   says: PUT (the message is everything after the space that follows
	//   the name: Cut again), GET with or without a wait in milliseconds,
	//   LEN, QUIT (answer BYE, then close: return true). Check the name of
	//   the queue (1 to 64 of A-Z a-z 0-9 _ . -), the wait (digits, 0 to
	//   waitMax), the length of the message; anything wrong, or an unknown
	//   command, is answered `ERR <reason>` and the connection stays open.
	//   With -data, PUT answers OK only once its record is on disk, and a
	//   GET's MSG goes out only once the record that it was taken is.
	return "ERR not implemented", false
}

// ======== Yours: the log on disk (-data DIR) ========

// openData gets the queues back from DIR, and gets DIR ready to record
// what comes.
func (d *daemon) openData(dir string) error {
	// TODO 4 (the data directory): os.MkdirAll(dir, 0o755). Open (create) a
	//   lock file in it and flock() it: syscall.Flock on int(f.Fd()) with
	//   syscall.LOCK_EX|syscall.LOCK_NB. If it fails with
	//   syscall.EWOULDBLOCK, another daemon uses DIR: print
	//   `ERROR data directory in use` on stderr and exit 1. Keep the file
	//   open, in a variable that lives as long as the program (a file the
	//   garbage collector closes is unlocked). Any other failure here is
	//   returned: main reports it as `ERROR data directory: <reason>`.
	//
	// TODO 5 (read the log back): read the log file of DIR, if any, one
	//   record a line: each PUT adds a message, with its id, to its
	//   queue; each TAKE removes one. A last line without its newline was
	//   cut short by a crash: skip it. Remember each queue's last id, even
	//   of a queue left empty. Then open the log to append to it
	//   (os.O_WRONLY|os.O_APPEND|os.O_CREATE).
	//
	// TODO 6 (write the log): from now on, a PUT writes a line
	//   `PUT <queue> <id> <message>` and a GET that takes a message a line
	//   `TAKE <queue> <id>`, each followed by f.Sync(), before the answer
	//   goes out. Writing and syncing under the queues' mutex is simplest,
	//   and keeps the lines in the order of the ids.
	//
	// TODO 7 (optional: keep the log short): at start, write what the queues
	//   hold now (and each queue's last id) to a new file of DIR, Sync it,
	//   os.Rename it over the log, and Sync DIR itself (os.Open the
	//   directory, then Sync).
	return errors.New("not implemented")
}

// ======== Given: the plumbing of 04 ========

// A session is one client's connection. Its reader goroutine passes the
// request lines on, in order, and closes left when the client can send no
// more (it closed, or shut down its sending side; an error; the
// shutdown). Lines read before that are still passed on.
type session struct {
	net.Conn
	peer     string
	requests chan string   // the request lines, without their newline
	tooLong  chan struct{} // closed when a line over lineMax came
	left     chan struct{} // closed when the reader has stopped
	finished chan struct{} // closed when the session is over
}

// The daemon: the clients being served, and (yours) the queues.
type daemon struct {
	mu       sync.Mutex
	sessions map[*session]bool
	closing  bool          // shutting down: no new clients
	stopping chan struct{} // closed on SIGINT or SIGTERM
	active   sync.WaitGroup

	// TODO 2: the queues, and with -data the log.
}

// say prints one error line on stderr and exits with status 1.
func say(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

// admit counts a new client in, or says no: clientMax are being served,
// or the daemon is shutting down.
func (d *daemon) admit(s *session) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.sessions) == clientMax || d.closing {
		return false
	}
	d.sessions[s] = true
	d.active.Add(1)
	return true
}

// dismiss counts a client out.
func (d *daemon) dismiss(s *session) {
	d.mu.Lock()
	delete(d.sessions, s)
	d.mu.Unlock()
	d.active.Done()
}

func (d *daemon) isClosing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closing
}

// readRequests is the reader goroutine of a session: it reads lines until
// the client stops sending, a line is too long, or the shutdown finds
// nothing more to read.
func (d *daemon) readRequests(s *session) {
	defer close(s.left)
	in := bufio.NewReaderSize(s, lineMax+1) // room for a whole line and its '\n'
	for {
		if d.isClosing() {
			s.SetReadDeadline(time.Now().Add(drainRead))
		}
		raw, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			close(s.tooLong)
			return
		}
		if err != nil {
			return // EOF, a reset, or the shutdown's deadline
		}
		select {
		case s.requests <- string(raw[:len(raw)-1]):
		case <-s.finished:
			return
		}
	}
}

// serve answers a session's requests, one answer line each, in order.
func (d *daemon) serve(s *session) {
	defer d.dismiss(s)
	defer s.Close()
	defer close(s.finished)
	go d.readRequests(s)
	for {
		var line string
		select {
		case line = <-s.requests:
		case <-s.tooLong:
			s.Write([]byte("ERR line too long\n"))
			return
		case <-s.left:
			return // the reader stopped, and passed on every line it read
		}
		reply, closeAfter := d.answer(s, line)
		if _, err := s.Write([]byte(reply + "\n")); err != nil || closeAfter {
			return // a write that fails costs this client only
		}
	}
}

// stop begins the shutdown: no new clients, the listener closed, and each
// client's reader told to stop once nothing more is there to read.
func (d *daemon) stop(ln net.Listener) {
	d.mu.Lock()
	d.closing = true
	close(d.stopping)
	for s := range d.sessions {
		s.SetReadDeadline(time.Now().Add(drainRead))
		s.SetWriteDeadline(time.Now().Add(drainTotal))
	}
	d.mu.Unlock()
	ln.Close()
}

func main() {
	// Delete the two lines below once you have implemented the TODOs.
	fmt.Fprintln(os.Stderr, "server: not implemented yet, see assignments/05-mqueue/README.md")
	os.Exit(2)

	dir, port := arguments()
	d := &daemon{sessions: map[*session]bool{}, stopping: make(chan struct{})}
	if dir != "" {
		if err := d.openData(dir); err != nil {
			say("ERROR data directory: " + err.Error())
		}
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		say("ERROR on binding: " + err.Error())
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		d.stop(ln)
	}()
	for {
		conn, err := ln.Accept()
		if err != nil && d.isClosing() {
			break // the listener was closed by stop
		}
		if err != nil {
			say("ERROR on accept: " + err.Error())
		}
		s := &session{Conn: conn, peer: conn.RemoteAddr().String(),
			requests: make(chan string), tooLong: make(chan struct{}),
			left: make(chan struct{}), finished: make(chan struct{})}
		if !d.admit(s) {
			io.WriteString(conn, "ERR server busy\n")
			conn.Close()
			continue
		}
		go d.serve(s)
	}
	// Give the clients until drainTotal (and a little) to be answered.
	over := make(chan struct{})
	go func() {
		d.active.Wait()
		close(over)
	}()
	select {
	case <-over:
	case <-time.After(drainTotal + 300*time.Millisecond):
	}
	// TODO 8 (-data): make sure every record is on disk, and close the log.
}
