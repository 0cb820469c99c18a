//go:build unix

package ports

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests lease the ports they probe or bind from the shared DefaultDir,
// as every grader does, so that they never probe a port that a grader
// running at the same time (another package's tests) has leased: Free
// connects to it, and would spend the accept of a server listening there.
// An allocator on a private directory, whose cursor a test can set, is
// only ever pointed at ports the test itself holds shared leases on.

// shared returns an allocator on the directory every grader uses.
func shared(t *testing.T) *Allocator {
	t.Helper()
	a, err := New(DefaultDir())
	require.NoError(t, err)
	return a
}

// take leases a port from a and releases it at the end of the test.
func take(t *testing.T, a *Allocator) *Lease {
	t.Helper()
	l, err := a.Take()
	require.NoError(t, err)
	t.Cleanup(l.Release)
	return l
}

// consecutive leases n consecutive ports from the shared directory, for
// the whole test, and returns the first.
func consecutive(t *testing.T, n int) int {
	t.Helper()
	a := shared(t)
	for range 50 {
		var ls []*Lease
		for range n {
			ls = append(ls, take(t, a))
		}
		ok := true
		for i, l := range ls {
			ok = ok && l.Port == ls[0].Port+i
		}
		if ok {
			return ls[0].Port
		}
		for _, l := range ls {
			l.Release()
		}
	}
	t.Fatalf("could not lease %d consecutive ports", n)
	return 0
}

// private returns the directory of a private allocator whose next port is
// next.
func private(t *testing.T, next int) string {
	t.Helper()
	dir := t.TempDir()
	setCursor(t, dir, next)
	return dir
}

// setCursor makes next the next port an allocator on dir tries.
func setCursor(t *testing.T, dir string, next int) {
	t.Helper()
	last := next - 1
	if next == First {
		last = Last
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cursor"), []byte(strconv.Itoa(last)+"\n"), 0o600))
}

func newAllocator(t *testing.T, dir string) *Allocator {
	t.Helper()
	a, err := New(dir)
	require.NoError(t, err)
	return a
}

func TestNew(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	a, err := New(dir)
	require.NoError(t, err)
	require.NotNil(t, a)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = New(filepath.Join(file, "sub"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "port allocator")
}

func TestDefaultDir(t *testing.T) {
	t.Parallel()
	d := DefaultDir()
	assert.Equal(t, "/tmp", filepath.Dir(d), "shared by every user, whatever their TMPDIR")
	assert.Equal(t, "socklab-ports", filepath.Base(d))
	a := shared(t)
	l := take(t, a)
	info, err := os.Stat(filepath.Join(d, strconv.Itoa(l.Port)))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o666), info.Mode().Perm(), "another user can lock it too")
}

func TestTakeDistinctWithinRange(t *testing.T) {
	t.Parallel()
	a := shared(t)
	seen := make(map[int]bool)
	for range 20 {
		l := take(t, a)
		assert.GreaterOrEqual(t, l.Port, First)
		assert.LessOrEqual(t, l.Port, Last)
		assert.False(t, seen[l.Port], "port %d handed out twice", l.Port)
		seen[l.Port] = true
		_, err := os.Stat(filepath.Join(DefaultDir(), strconv.Itoa(l.Port)))
		assert.NoError(t, err, "lock file of port %d", l.Port)
	}
	assert.Len(t, seen, 20)
}

// Allocators on one directory (graders in different processes) walk the
// range in turn, through the shared cursor.
func TestTakeFollowsSharedCursor(t *testing.T) {
	t.Parallel()
	p := consecutive(t, 2)
	dir := private(t, p)
	l1 := take(t, newAllocator(t, dir))
	assert.Equal(t, p, l1.Port)
	l2 := take(t, newAllocator(t, dir))
	assert.Equal(t, p+1, l2.Port, "the second allocator goes on after the first one's port")
	cursor, err := os.ReadFile(filepath.Join(dir, "cursor"))
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(p+1), strings.TrimSpace(string(cursor)))
}

func TestTakeWrapsAround(t *testing.T) {
	t.Parallel()
	// Hold First in the shared directory, as a lease would.
	lock, ok := shared(t).tryLock(First)
	if !ok {
		t.Skipf("port %d is leased", First)
	}
	defer lock.Close()
	if !Free(First) {
		t.Skipf("port %d is in use", First)
	}
	dir := t.TempDir()
	setCursor(t, dir, Last+1) // the cursor says Last
	l := take(t, newAllocator(t, dir))
	assert.Equal(t, First, l.Port)
}

func TestTakeSkipsPortLockedByAnotherAllocator(t *testing.T) {
	t.Parallel()
	p := consecutive(t, 2)
	dir := private(t, p)
	held := take(t, newAllocator(t, dir))
	require.Equal(t, p, held.Port)

	// Another allocator on the same directory stands for another grader
	// process: the flock is per open file, so it conflicts even here.
	other := newAllocator(t, dir)
	setCursor(t, dir, p)
	l := take(t, other)
	assert.Equal(t, p+1, l.Port, "skips port %d, locked by the first allocator", p)
	_, ok := other.tryLock(p)
	assert.False(t, ok)
}

func TestTakeSkipsPortItHolds(t *testing.T) {
	t.Parallel()
	p := consecutive(t, 2)
	dir := private(t, p)
	a := newAllocator(t, dir)
	held := take(t, a)
	require.Equal(t, p, held.Port)
	setCursor(t, dir, p)
	l := take(t, a)
	assert.Equal(t, p+1, l.Port)
}

func TestReleaseMakesPortLockableAgain(t *testing.T) {
	t.Parallel()
	a := shared(t)
	l := take(t, a)
	other := shared(t)

	_, ok := other.tryLock(l.Port)
	require.False(t, ok, "locked while leased")

	l.Release()
	f, ok := other.tryLock(l.Port)
	require.True(t, ok, "lockable after Release")
	f.Close()
	assert.NotPanics(t, l.Release, "a second Release")
	assert.False(t, a.held[l.Port])
}

// hasIPv6 reports whether ::1 can be bound here.
func hasIPv6() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestTakeSkipsBoundPort(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"tcp wildcard": "tcp :", "tcp 127.0.0.1": "tcp 127.0.0.1", "udp wildcard": "udp :"}
	if hasIPv6() {
		cases["tcp ::1"] = "tcp ::1"
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := consecutive(t, 2)
			network, host, _ := strings.Cut(c, " ")
			addr := net.JoinHostPort(strings.TrimSuffix(host, ":"), strconv.Itoa(p))
			// A program binds the port without asking the allocator.
			var closer interface{ Close() error }
			var err error
			if network == "udp" {
				closer, err = net.ListenPacket(network, addr)
			} else {
				closer, err = net.Listen(network, addr)
			}
			require.NoError(t, err)
			defer closer.Close()

			// A private lock directory: the lock on p succeeds, so only
			// the check that the port is free can skip it.
			l := take(t, newAllocator(t, private(t, p)))
			assert.Equal(t, p+1, l.Port, "skips port %d, bound by %s", p, c)
		})
	}
}

func TestFree(t *testing.T) {
	t.Parallel()
	l := take(t, shared(t))
	p := strconv.Itoa(l.Port)
	require.True(t, Free(l.Port), "a leased port nobody bound")

	freeAgain := func(what string) {
		t.Helper()
		require.Eventually(t, func() bool { return Free(l.Port) }, 5*time.Second, 10*time.Millisecond,
			"free again after %s", what)
	}

	addrs := []string{":" + p, "127.0.0.1:" + p}
	if hasIPv6() {
		addrs = append(addrs, "[::1]:"+p)
	}
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		require.NoError(t, err)
		assert.False(t, Free(l.Port), "a TCP listener on %s", addr)
		require.NoError(t, ln.Close())
		freeAgain("closing the listener on " + addr)
	}

	for _, addr := range []string{":" + p, "127.0.0.1:" + p} {
		pc, err := net.ListenPacket("udp", addr)
		require.NoError(t, err)
		assert.False(t, Free(l.Port), "a UDP socket bound to %s", addr)
		require.NoError(t, pc.Close())
		freeAgain("closing the UDP socket on " + addr)
	}
}

func TestCursorFile(t *testing.T) {
	t.Parallel()
	f, err := os.OpenFile(filepath.Join(t.TempDir(), "cursor"), os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	defer f.Close()

	for range 10 { // a new cursor: somewhere in the range
		got := readCursor(f)
		assert.GreaterOrEqual(t, got, First)
		assert.LessOrEqual(t, got, Last)
	}
	writeCursor(f, Last)
	assert.Equal(t, Last, readCursor(f))
	writeCursor(f, 20001) // shorter values leave no digits behind
	assert.Equal(t, 20001, readCursor(f))

	_, err = f.WriteAt([]byte("garbage\n"), 0)
	require.NoError(t, err)
	got := readCursor(f)
	assert.GreaterOrEqual(t, got, First)
	assert.LessOrEqual(t, got, Last)
	writeCursor(f, 20002)
	assert.Equal(t, 20002, readCursor(f), "written over a longer, unreadable cursor")
}

// TestFreeSeesOtherAddresses: a listener on another local address than
// those Free connects to (127.0.0.2) would stop a wildcard listen: the
// port is not free.
func TestFreeSeesOtherAddresses(t *testing.T) {
	l := take(t, shared(t))
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(l.Port)))
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	defer ln.Close()
	assert.False(t, Free(l.Port), "a listener on 127.0.0.2 takes the wildcard address's port")
}

// TestStuckLock: a lock held by someone else is waited on LockWait at
// most, and then Take says the grader is stuck.
func TestStuckLock(t *testing.T) {
	defer func(d time.Duration) { LockWait = d }(LockWait)
	LockWait = 200 * time.Millisecond
	dir := t.TempDir()
	a, err := New(dir)
	require.NoError(t, err)
	f, err := os.OpenFile(filepath.Join(dir, "cursor"), os.O_RDWR|os.O_CREATE, 0o666)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	start := time.Now()
	_, err = a.Take()
	assert.ErrorIs(t, err, ErrStuck)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestLockFilesNoSymlinks: a symbolic link in the lock directory, to a
// file of the user's, is not followed: the file is left as it was.
func TestLockFilesNoSymlinks(t *testing.T) {
	dir := t.TempDir()
	a, err := New(dir)
	require.NoError(t, err)
	victim := filepath.Join(t.TempDir(), "precious")
	require.NoError(t, os.WriteFile(victim, []byte("keep me\n"), 0o644))
	require.NoError(t, os.Symlink(victim, filepath.Join(dir, "cursor")))
	_, err = a.Take()
	assert.Error(t, err)
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep me\n", string(data))
}

// TestLockDirChecked: the lock directory must not be a link, nor
// writable by others without the sticky bit.
func TestLockDirChecked(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(real, link))
	_, err := New(link)
	assert.ErrorContains(t, err, "not a directory")
	assert.NoError(t, checkDir(real))
	require.NoError(t, os.Chmod(real, 0o777))
	assert.ErrorContains(t, checkDir(real), "not sticky")
}

// TestPrivate: a private allocator hands out distinct free ports, walking
// on from one grade to the next, with no lock files.
func TestPrivate(t *testing.T) {
	a := NewPrivate()
	seen := map[int]bool{}
	for range 20 {
		l, err := a.Take()
		require.NoError(t, err)
		assert.False(t, seen[l.Port], "distinct")
		seen[l.Port] = true
		assert.Nil(t, l.lock)
		l.Release()
	}
	l, err := a.Take()
	require.NoError(t, err)
	defer l.Release()
	assert.False(t, seen[l.Port], "a released port comes round again only after all the others")
}
