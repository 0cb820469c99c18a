//go:build unix

// Package ports hands out port numbers that no other scenario is using, in
// this grader or in any other grader on the same machine.
//
// Ports come from a range below the ephemeral ranges of Linux (32768-60999)
// and macOS (49152-65535), so the kernel never picks one of them for an
// outgoing connection. Each port handed out is leased: the lease holds an
// advisory lock (flock) on a per-port file in a directory every grader on
// the machine shares, whoever runs it, so two graders running at once (two
// `go test` packages, two students on a lab machine) never share a port. A
// cursor file in the same directory makes them walk the range in turn, so a
// port comes round again only after every other one has been used: by then
// no connection of its last scenario lingers in TIME_WAIT.
//
// A port is also checked unused by programs that are not graders: no TCP
// listener answers on it, on any local address, and a UDP socket can bind
// it. The TCP check connects rather than binds, because closing a TCP
// socket gives its port back asynchronously on some network stacks
// (gVisor): a program that binds the port right after such a check can
// find it still taken.
package ports

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The range ports are taken from.
const (
	First = 20000
	Last  = 32767
)

// A Lease is one port, reserved until Release.
type Lease struct {
	Port int
	lock *os.File
	a    *Allocator
}

// Close is Release: a scenario's leases end with it.
func (l *Lease) Close() error {
	l.Release()
	return nil
}

// Release gives the port back. It is safe to call more than once.
func (l *Lease) Release() {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	if l.lock == nil {
		return
	}
	l.lock.Close() // closing the file drops the flock
	l.lock = nil
	delete(l.a.held, l.Port)
}

// An Allocator hands out leases. Make one with New.
type Allocator struct {
	dir  string
	mu   sync.Mutex
	held map[int]bool
}

// New returns an allocator that keeps its lock files in dir, creating it
// if needed. Every grader on a machine should use the same dir: DefaultDir.
func New(dir string) (*Allocator, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	os.Chmod(dir, 0o777|os.ModeSticky) // shared by every user, like /tmp; fails harmlessly if not ours
	return &Allocator{dir: dir, held: make(map[int]bool)}, nil
}

// DefaultDir is the lock directory every grader on the machine shares. It
// is under /tmp, not the user's TMPDIR, which macOS makes per user.
func DefaultDir() string {
	tmp := "/tmp"
	if info, err := os.Stat(tmp); err != nil || !info.IsDir() {
		tmp = os.TempDir()
	}
	return filepath.Join(tmp, "socklab-ports")
}

// open opens (creating it, readable and writable by every user) a file of
// the lock directory.
func (a *Allocator) open(name string, flag int) (*os.File, error) {
	path := filepath.Join(a.dir, name)
	f, err := os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL, 0o666)
	if err == nil {
		f.Chmod(0o666) // past the umask: other users lock it too
		return f, nil
	}
	return os.OpenFile(path, flag, 0)
}

// Take leases the next free port after the shared cursor.
func (a *Allocator) Take() (*Lease, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range Last - First + 1 {
		port, err := a.advance()
		if err != nil {
			return nil, err
		}
		if a.held[port] {
			continue
		}
		lock, ok := a.tryLock(port)
		if !ok {
			continue
		}
		if !Free(port) {
			lock.Close()
			continue
		}
		a.held[port] = true
		return &Lease{Port: port, lock: lock, a: a}, nil
	}
	return nil, fmt.Errorf("port allocator: no free port between %d and %d", First, Last)
}

// advance moves the shared cursor on by one port and returns that port.
// The cursor's lock is held for this only, not while the port is checked,
// so that graders on a loaded machine do not queue behind one another.
func (a *Allocator) advance() (int, error) {
	cursor, err := a.openCursor()
	if err != nil {
		return 0, err
	}
	defer cursor.Close() // drops the cursor's flock
	port := readCursor(cursor) + 1
	if port > Last {
		port = First
	}
	writeCursor(cursor, port)
	return port, nil
}

// openCursor opens and locks the shared cursor file, waiting for other
// graders to finish with it.
func (a *Allocator) openCursor() (*os.File, error) {
	f, err := a.open("cursor", os.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	return f, nil
}

// readCursor returns the last port tried, or a port chosen from the clock
// when the cursor is new or unreadable.
func readCursor(f *os.File) int {
	buf := make([]byte, 16)
	n, _ := f.ReadAt(buf, 0)
	port, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || port < First || port > Last {
		return First + int(time.Now().UnixNano()%int64(Last-First+1))
	}
	return port
}

func writeCursor(f *os.File, port int) {
	s := fmt.Sprintf("%-6d\n", port) // fixed width: no stale digits left behind
	f.WriteAt([]byte(s), 0)
}

// tryLock takes the advisory lock of port without waiting.
func (a *Allocator) tryLock(port int) (*os.File, bool) {
	f, err := a.open(strconv.Itoa(port), os.O_RDONLY)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return f, true
}

// probeTimeout bounds one TCP check.
const probeTimeout = time.Second

// Free reports whether nothing on this machine uses port: no TCP listener
// answers on any local address, and a UDP socket can bind it on the
// wildcard address.
func Free(port int) bool {
	p := strconv.Itoa(port)
	for _, host := range localAddrs() {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, p), probeTimeout)
		switch {
		case err == nil:
			c.Close()
			return false // something listens
		case errors.Is(err, syscall.ECONNREFUSED):
		case host == "::1" && !errors.Is(err, os.ErrDeadlineExceeded):
			// no IPv6 loopback here: nothing can listen on it
		default:
			return false // cannot tell: leave the port alone
		}
	}
	pc, err := net.ListenPacket("udp", ":"+p)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

// localAddrs returns the loopback addresses and the machine's other
// unicast addresses: a listener on any of them would stop a student
// server from listening on the wildcard address.
var localAddrs = sync.OnceValue(func() []string {
	hosts := []string{"127.0.0.1", "::1"}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || !ipn.IP.IsGlobalUnicast() { // not loopback, link-local or multicast
			continue
		}
		hosts = append(hosts, ipn.IP.String())
	}
	return hosts
})
