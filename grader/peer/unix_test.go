//go:build unix

package peer

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shortDir returns a directory whose paths fit a Unix socket's address.
func shortDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(sockPath(t))
}

func TestCheckUnixPath(t *testing.T) {
	dir := "/tmp/socklab-1/script-x"
	fits := dir + "/" + strings.Repeat("a", UnixPathMax-len(dir)-1)
	require.Len(t, fits, UnixPathMax)
	assert.NoError(t, CheckUnixPath(fits, dir, true))
	assert.NoError(t, CheckUnixPath(dir+"/sub/s.sock", dir, true))

	err := CheckUnixPath(fits+"b", dir, true)
	require.Error(t, err, "104 bytes: too long for macOS")
	assert.Contains(t, err.Error(), "is 104 bytes long")
	assert.Contains(t, err.Error(), "takes 23 bytes of it here (the scenario's part: 81)")
	assert.NoError(t, CheckUnixPath(fits+"b", dir, false), "a path only looked at may be long")

	for _, p := range []string{"s.sock", "/tmp/s.sock", dir, dir + "/../s.sock", "/tmp/socklab-1/script-xy/s.sock"} {
		err := CheckUnixPath(p, dir, false)
		if assert.Error(t, err, p) {
			assert.Contains(t, err.Error(), "not under the scenario's work directory", p)
		}
	}
}

// TestUnixPathMax: the limit is the longest path Go binds on macOS, and
// one more byte than that is too long there; on Linux, three more fit.
func TestUnixPathMax(t *testing.T) {
	dir := shortDir(t)
	bind := func(n int) error {
		p := filepath.Join(dir, strings.Repeat("s", n-len(dir)-1))
		require.Len(t, p, n)
		ln, err := net.Listen("unix", p)
		if err == nil {
			ln.Close()
		}
		return err
	}
	assert.NoError(t, bind(UnixPathMax))
	if max := map[string]int{"darwin": 103, "linux": 107}[runtime.GOOS]; max > 0 {
		assert.NoError(t, bind(max))
		assert.ErrorIs(t, bind(max+1), syscall.EINVAL)
	}
}

func TestStaleSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "stale.sock")
	require.NoError(t, StaleSocket(path))
	info, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSocket, info.Mode().Type())
	assert.Equal(t, fs.FileMode(0o666), info.Mode().Perm(), "open to every user")

	_, err = net.Dial("unix", path)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "nobody listens")
	_, err = net.Listen("unix", path)
	assert.ErrorIs(t, err, syscall.EADDRINUSE, "the file is in the way")
	assert.Error(t, StaleSocket(path), "something is there already")

	// Removed, the path takes a server again.
	require.NoError(t, os.Remove(path))
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	ln.Close()
}

// TestStaleSocketWhileProgramsStart makes stale sockets while programs
// start beside it, each holding a copy of the test's descriptors from its
// fork to its exec, as in a grade's scenarios run in parallel: not one
// connect to a stale socket may succeed.
func TestStaleSocketWhileProgramsStart(t *testing.T) {
	t.Parallel()
	truePath, err := exec.LookPath("true")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				exec.Command(truePath).Run()
			}
		})
	}
	defer wg.Wait()
	defer cancel()
	dir := shortDir(t)
	accepted := 0
	for i := range 3000 {
		path := filepath.Join(dir, strconv.Itoa(i))
		require.NoError(t, StaleSocket(path))
		if c, err := net.Dial("unix", path); err == nil {
			accepted++
			c.Close()
		}
		os.Remove(path)
	}
	assert.Zero(t, accepted, "connects to a stale socket that succeeded, of 3000")
}

func TestWaitSocketFile(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "s.sock")
	go func() {
		time.Sleep(50 * time.Millisecond)
		if ln, err := net.Listen("unix", path); err == nil {
			t.Cleanup(func() { ln.Close() })
		}
	}()
	info, err := WaitSocketFile(timeout(t, 5*time.Second), path, never(t))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSocket, info.Mode().Type())

	// A regular file never becomes a socket: it waits until it gives up.
	regular := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(regular, []byte("x"), 0o644))
	_, err = WaitSocketFile(timeout(t, 5*time.Second), regular, func() error { return errors.New("server exited") })
	require.Error(t, err)
	assert.Equal(t, "server exited first (there is a regular file at the path)", err.Error())

	start := time.Now()
	_, err = WaitSocketFile(timeout(t, 100*time.Millisecond), filepath.Join(dir, "none.sock"), never(t))
	require.Error(t, err)
	assert.Equal(t, "none came before the time limit (there is nothing at the path)", err.Error())
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestWaitMode(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	require.NoError(t, os.Chmod(path, 0o755))

	// A chmod soon after: seen.
	go func() {
		time.Sleep(50 * time.Millisecond)
		os.Chmod(path, 0o600)
	}()
	got, err := WaitMode(timeout(t, 5*time.Second), path, 0o600, 2*time.Second)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), got)

	// No chmod: the mode it has, after settle.
	require.NoError(t, os.Chmod(path, 0o644))
	start := time.Now()
	got, err = WaitMode(timeout(t, 5*time.Second), path, 0o600, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), got)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	// Gone.
	require.NoError(t, os.Remove(path))
	_, err = WaitMode(timeout(t, 5*time.Second), path, 0o600, time.Second)
	require.Error(t, err)
	assert.Equal(t, "it is gone: there is nothing at the path now", err.Error())
}

func TestDescribePath(t *testing.T) {
	dir := shortDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	require.NoError(t, os.Symlink("file", filepath.Join(dir, "link")))
	require.NoError(t, StaleSocket(filepath.Join(dir, "sock")))
	for name, want := range map[string]string{
		"none": "nothing", "file": "a regular file", "dir": "a directory", "link": "a symbolic link", "sock": "a socket file",
	} {
		assert.Equal(t, want, DescribePath(filepath.Join(dir, name)), name)
	}
}

func TestMode(t *testing.T) {
	assert.Equal(t, "0600 (srw-------)", Mode(0o600))
	assert.Equal(t, "0755 (srwxr-xr-x)", Mode(0o755))
	assert.Equal(t, "0000 (s---------)", Mode(0))
}

// TestCloseNow: the other end of a Unix connection sees CloseNow at once,
// even while another descriptor of the socket is open (as in a program
// being started, between its fork and its exec): its write fails with a
// broken pipe, its read gets EOF. A plain close leaves it writing into the
// void. (Checked on Linux; what a shutdown tells the other end of a Unix
// socket on macOS is not known here.)
func TestCloseNow(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checked on Linux only")
	}
	for _, now := range []bool{true, false} {
		c, other := pair(t, "unix")
		f, err := c.Conn.(*net.UnixConn).File() // a second descriptor of the socket
		require.NoError(t, err)
		defer f.Close()
		if now {
			require.NoError(t, CloseNow(c.Conn))
		} else {
			require.NoError(t, c.Close())
		}
		_, err = other.Write([]byte("too late"))
		if !now {
			assert.NoError(t, err, "a plain close, the socket still open elsewhere: the write goes through")
			continue
		}
		assert.ErrorIs(t, err, syscall.EPIPE)
		got, err := readAll(t, other)
		assert.NoError(t, err)
		assert.Empty(t, got)
	}
}
