//go:build unix

package peer

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// timeout returns a context that ends after d.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// never returns a giveUp that does not give up while a test runs as it
// should, but does after 10 seconds, so that the test still ends if the
// code under test misses the end of its context.
func never(t *testing.T) func() error {
	start := time.Now()
	return func() error {
		if time.Since(start) > 10*time.Second {
			return errors.New("gave up after 10s: the context's end was missed")
		}
		return nil
	}
}

// sockPath returns a path for a Unix socket under t.TempDir(), or under a
// shorter temporary directory where that one is too long for sun_path
// (104 bytes on macOS).
func sockPath(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s")
	if len(p) < 100 {
		return p
	}
	dir, err := os.MkdirTemp("", "peer")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

// pair returns both ends of a loopback connection on network ("tcp" or
// "unix"): the grader's Conn and the other program's end.
func pair(t *testing.T, network string) (*Conn, net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = sockPath(t)
	}
	ln, err := net.Listen(network, addr)
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial(network, ln.Addr().String())
	require.NoError(t, err)
	other := <-accepted
	require.NotNil(t, other)
	t.Cleanup(func() { c.Close(); other.Close() })
	return NewConn(c), other
}

// unlistened reserves a loopback TCP port with a socket that is bound but
// does not listen, so that connections to it are refused, without any
// other program being able to take the port meanwhile. listen makes it
// listen.
func unlistened(t *testing.T) (addr string, listen func() (net.Listener, error)) {
	t.Helper()
	fd, err := CloexecSocket(syscall.AF_INET, syscall.SOCK_STREAM)
	require.NoError(t, err)
	f := os.NewFile(uintptr(fd), "unlistened")
	t.Cleanup(func() { f.Close() })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr = (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	return addr, func() (net.Listener, error) {
		if err := syscall.Listen(fd, 8); err != nil {
			return nil, err
		}
		ln, err := net.FileListener(f) // a duplicate of fd
		if err == nil {
			f.Close()
		}
		return ln, err
	}
}

// listenWhenCalled returns a giveUp that never gives up, but the first
// time it is called (a dial was refused) calls listen in the background.
// The listener comes on the channel, and is closed at the end of the test.
func listenWhenCalled(t *testing.T, listen func() (net.Listener, error)) (func() error, <-chan net.Listener) {
	t.Helper()
	lns := make(chan net.Listener, 1)
	first, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var ln net.Listener
	t.Cleanup(func() {
		close(stop)
		mu.Lock()
		defer mu.Unlock()
		if ln != nil {
			ln.Close()
		}
	})
	go func() {
		select {
		case <-first:
		case <-stop:
			return
		}
		l, err := listen()
		if err != nil {
			l = nil
		} else {
			mu.Lock()
			select {
			case <-stop: // the test is over
				l.Close()
			default:
				ln = l
			}
			mu.Unlock()
		}
		lns <- l
	}()
	bound := never(t)
	return func() error { once.Do(func() { close(first) }); return bound() }, lns
}

// listener waits for the listener of listenWhenCalled.
func listener(t *testing.T, lns <-chan net.Listener) net.Listener {
	t.Helper()
	select {
	case ln := <-lns:
		require.NotNil(t, ln, "could not listen")
		return ln
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was refused: the listener was never started")
		return nil
	}
}

// acceptOne accepts one connection from ln, for a few seconds at most.
func acceptOne(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	if d, ok := ln.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(time.Now().Add(5 * time.Second))
	}
	c, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll reads from c until EOF, for a few seconds at most.
func readAll(t *testing.T, c net.Conn) ([]byte, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
	}
}
