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
// listener answers on it, on any local address; a TCP socket can bind it
// on the wildcard address (a listener on any address, 127.0.0.2 say, would
// stop a student server's wildcard listen); and a UDP socket can bind it.
// The TCP checks never listen: closing a listening socket gives its port
// back asynchronously on some network stacks (gVisor), and a program that
// listens on the port right after such a check could find it still taken.
//
// The lock directory is shared by every user, so it is treated as
// hostile: its owner and mode are checked, lock files are opened without
// following symbolic links, and every wait on a lock is bounded: a grader
// that cannot get a port in time says so (ErrStuck), which the runner
// reports as the grader's failure, never the student's.
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

	"socklab/grader/peer"
)

// The range ports are taken from.
const (
	First = 20000
	Last  = 32767
)

// A Lease is one port, reserved until Release.
type Lease struct {
	Port    int
	lock    *os.File
	a       *Allocator
	private bool // of a private allocator: no lock file
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
	if l.lock == nil && !l.private {
		return
	}
	if l.lock != nil {
		l.lock.Close() // closing the file drops the flock
	}
	l.lock, l.private = nil, false
	delete(l.a.held, l.Port)
}

// An Allocator hands out leases. Make one with New, or NewPrivate.
type Allocator struct {
	dir    string // the shared lock directory; "" for a private allocator
	mu     sync.Mutex
	held   map[int]bool
	cursor int // a private allocator's last port
}

// NewPrivate returns an allocator for a grader whose network is its own
// (a network namespace): no other grader can see its ports, so it keeps
// its leases and its cursor in memory, and shares no lock with anyone.
func NewPrivate() *Allocator {
	return &Allocator{held: make(map[int]bool), cursor: First + int(time.Now().UnixNano()%int64(Last-First+1))}
}

// LockWait bounds how long Take waits for the shared cursor's lock: a
// grader that holds it longer is stuck, or hostile.
var LockWait = 5 * time.Second

// ErrStuck is Take's error when the shared lock stays held past LockWait.
var ErrStuck = errors.New("port allocator: the shared lock is held by another process and does not come free")

// New returns an allocator that keeps its lock files in dir, creating it
// if needed. Every grader on a machine should use the same dir: DefaultDir.
// The directory must be a real directory (not a symbolic link), sticky
// (like /tmp) or writable by its owner only, and owned by this user or by
// root: another user who owns it could swap its files.
func New(dir string) (*Allocator, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	os.Chmod(dir, 0o777|os.ModeSticky) // shared by every user, like /tmp; fails harmlessly if not ours
	if err := checkDir(dir); err != nil {
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	return &Allocator{dir: dir, held: make(map[int]bool)}, nil
}

// checkDir checks that the lock directory is one other users cannot
// tamper with (see New).
func checkDir(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	switch {
	case !info.IsDir():
		return fmt.Errorf("%s is not a directory (a symbolic link?): remove it", dir)
	case ok && st.Uid != uint32(os.Getuid()) && st.Uid != 0:
		return fmt.Errorf("%s belongs to another user (uid %d), who could swap its lock files: remove it, or run the grader as that user", dir, st.Uid)
	case info.Mode()&0o022 != 0 && info.Mode()&os.ModeSticky == 0:
		return fmt.Errorf("%s is writable by others and not sticky: chmod 1777 it", dir)
	}
	return nil
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
// the lock directory, never through a symbolic link, and only a regular
// file: another user could put a link there to a file of ours.
func (a *Allocator) open(name string, flag int) (*os.File, error) {
	path := filepath.Join(a.dir, name)
	f, err := os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o666)
	if err == nil {
		f.Chmod(0o666) // past the umask: other users lock it too
		return f, nil
	}
	if f, err = os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0); err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
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
			if lock != nil {
				lock.Close()
			}
			continue
		}
		a.held[port] = true
		return &Lease{Port: port, lock: lock, a: a, private: lock == nil}, nil
	}
	return nil, fmt.Errorf("port allocator: no free port between %d and %d", First, Last)
}

// advance moves the shared cursor on by one port and returns that port.
// The cursor's lock is held for this only, not while the port is checked,
// so that graders on a loaded machine do not queue behind one another. A
// private allocator's cursor is its own.
func (a *Allocator) advance() (int, error) {
	if a.dir == "" {
		if a.cursor++; a.cursor > Last {
			a.cursor = First
		}
		return a.cursor, nil
	}
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
// graders to finish with it, at most LockWait.
func (a *Allocator) openCursor() (*os.File, error) {
	f, err := a.open("cursor", os.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("port allocator: %w", err)
	}
	deadline := time.Now().Add(LockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return f, nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			f.Close()
			return nil, fmt.Errorf("port allocator: %w", err)
		case time.Now().After(deadline):
			f.Close()
			return nil, fmt.Errorf("%w (%s, for %v)", ErrStuck, filepath.Join(a.dir, "cursor"), LockWait)
		}
		time.Sleep(2 * time.Millisecond)
	}
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

// tryLock takes the advisory lock of port without waiting. A private
// allocator has no locks: its leases in memory are enough.
func (a *Allocator) tryLock(port int) (*os.File, bool) {
	if a.dir == "" {
		return nil, true
	}
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
// answers on any local address, and a TCP and a UDP socket can bind it on
// the wildcard address.
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
	if !bindsTCP(port) {
		return false
	}
	pc, err := net.ListenPacket("udp", ":"+p)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

// bindsTCP reports whether a TCP socket can bind port on the wildcard
// address, IPv4 and IPv6 (or IPv4 alone, where there is no IPv6), as a
// student server's listen would: with SO_REUSEADDR, as Go sets it, so a
// connection of an earlier scenario lingering in TIME_WAIT does not
// count. It binds and closes, and never listens (see the package's doc).
func bindsTCP(port int) bool {
	fd, err := peer.CloexecSocket(syscall.AF_INET6, syscall.SOCK_STREAM)
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Port: port}
	if err == nil {
		syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 0)
	} else if fd, err = peer.CloexecSocket(syscall.AF_INET, syscall.SOCK_STREAM); err == nil {
		sa = &syscall.SockaddrInet4{Port: port}
	}
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	return syscall.Bind(fd, sa) == nil
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
