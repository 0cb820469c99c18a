//go:build unix

package peer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The grader's side of Unix-domain sockets, beyond what listen, dial and
// relay share with TCP: a stale socket file, waiting for a program's
// socket file to appear, its mode, and the limit on a socket's path.

// UnixPathMax is the longest path, in bytes, that a Unix socket can be
// bound or connected at on every system the grader runs on: sun_path holds
// 104 bytes on macOS and 108 on Linux, the terminating NUL included (Go
// refuses a 104-byte path on macOS and a 108-byte one on Linux with
// "invalid argument"). Keeping to macOS's limit everywhere, a scenario that
// passes on Linux passes on macOS too.
const UnixPathMax = 103

// CheckUnixPath says why path cannot be the address of a Unix socket on
// every system the grader runs on: it must be absolute, lie under dir (the
// scenario's work directory, $WORK), and be at most UnixPathMax bytes
// long. long says whether to check the length: paths the grader binds or
// connects to must fit, a path it only looks at (a program's, which may be
// too long on purpose) need not.
func CheckUnixPath(path, dir string, long bool) error {
	clean := filepath.Clean(path)
	if !filepath.IsAbs(path) || !strings.HasPrefix(clean, filepath.Clean(dir)+string(filepath.Separator)) {
		return fmt.Errorf("the Unix socket path %s is not under the scenario's work directory: write it $WORK/NAME", path)
	}
	if long && len(path) > UnixPathMax {
		return fmt.Errorf("the Unix socket path %s is %d bytes long, and a Unix socket path must fit in 104 bytes with "+
			"its terminating NUL on macOS (108 on Linux), so %d at most; the work directory $WORK takes %d bytes "+
			"of it here (the scenario's part: %d), so shorten the scenario's part, or, if $WORK is the long one, "+
			"the machine's temporary directory", path, len(path), UnixPathMax, len(filepath.Clean(dir)),
			len(path)-len(filepath.Clean(dir)))
	}
	return nil
}

// StaleSocket leaves a socket file at path that nobody listens on, as a
// server that crashed leaves one: a Unix stream socket bound there, then
// closed without removing its file. A connect to path is then refused (the
// file is open to every user, see ShareSocket), and a bind fails with
// "address already in use". Something at path already is an error.
//
// The socket never listens. A program that another scenario starts at
// that moment holds a copy of the grader's descriptors from its fork to
// its exec (see CloseNow), and a listening socket held so would accept a
// connect after the grader's close, then reset it: with programs starting
// beside it, 59 connects in 3000 did, here. A socket that only binds
// refuses them, whoever holds it.
func StaleSocket(path string) error {
	fd, err := CloexecSocket(syscall.AF_UNIX, syscall.SOCK_STREAM)
	if err != nil {
		return err
	}
	err = syscall.Bind(fd, &syscall.SockaddrUnix{Name: path})
	syscall.Close(fd)
	if err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	return ShareSocket(path)
}

// CloexecSocket makes a raw socket that a program started later does not
// inherit, as the net package's are: syscall.Socket's would be, and a
// program that inherited one would hold what it is bound to for as long as
// it runs.
func CloexecSocket(domain, typ int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(domain, typ, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	return fd, err
}

// ShareSocket opens the socket file of one of the grader's Unix sockets to
// every user (mode 0666): connecting to a Unix socket takes write
// permission on its file, and a student program may run as another user
// than the grader (a grader that runs as root runs them as an unprivileged
// user). The socket file is the grader's own, in the scenario's directory.
func ShareSocket(path string) error {
	return os.Chmod(path, 0o666)
}

// WaitSocketFile waits until a socket file is at path (a program has bound
// a Unix socket there), looking every PollEvery, until ctx ends or giveUp
// returns an error, typically because the program that should bind has
// exited. It returns the file's information.
func WaitSocketFile(ctx context.Context, path string, giveUp func() error) (fs.FileInfo, error) {
	for {
		fi, err := os.Lstat(path)
		if err == nil && fi.Mode().Type() == fs.ModeSocket {
			return fi, nil
		}
		if stop := giveUp(); stop != nil {
			return nil, fmt.Errorf("%w first (there is %s at the path)", stop, DescribePath(path))
		}
		if pause(ctx, PollEvery) != nil {
			return nil, fmt.Errorf("none came before the time limit (there is %s at the path)", DescribePath(path))
		}
	}
}

// WaitMode waits until the socket file at path has the permission bits
// want, for at most settle (or until ctx ends), and returns the bits it
// last saw. A program that sets them with chmod right after its bind gets
// settle to do so; one that binds with the right umask has them from the
// start. It fails when path is no longer a socket file.
func WaitMode(ctx context.Context, path string, want fs.FileMode, settle time.Duration) (fs.FileMode, error) {
	ctx, cancel := context.WithTimeout(ctx, settle)
	defer cancel()
	for {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode().Type() != fs.ModeSocket {
			return 0, fmt.Errorf("it is gone: there is %s at the path now", DescribePath(path))
		}
		if fi.Mode().Perm() == want || pause(ctx, PollEvery) != nil {
			return fi.Mode().Perm(), nil
		}
	}
}

// ModeSettle is how long WaitMode gives a program to set its socket
// file's mode after the file appears (chmod right after the bind).
var ModeSettle = time.Second

// DescribePath says what is at path, in words: "nothing", "a socket
// file", "a regular file", "a directory", ...
func DescribePath(path string) string {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "nothing"
	case err != nil:
		return "unreadable (" + err.Error() + ")"
	}
	switch t := fi.Mode().Type(); {
	case t == fs.ModeSocket:
		return "a socket file"
	case t == 0:
		return "a regular file"
	case t == fs.ModeDir:
		return "a directory"
	case t == fs.ModeSymlink:
		return "a symbolic link"
	case t == fs.ModeNamedPipe:
		return "a named pipe"
	}
	return "a special file"
}

// Mode shows a socket file's permission bits in octal and as ls shows
// them: "0600 (srw-------)".
func Mode(perm fs.FileMode) string {
	return fmt.Sprintf("%04o (s%s)", uint32(perm.Perm()), perm.Perm().String()[1:])
}

// CloseNow closes c, a stream connection of the grader's, so that the
// other end sees it before CloseNow returns: it shuts the socket down both
// ways (shutdown(SHUT_RD) and shutdown(SHUT_WR)), then closes it.
//
// close(2) alone drops only this process's descriptor: the socket goes when
// its last descriptor does. A program the grader starts at that moment (for
// another scenario, say) holds a copy of every descriptor of the grader's
// from its fork until its exec has closed them (after the parent has
// resumed, even with vfork, and after syscall.ForkLock is released); until
// then the other end sees nothing, and over a Unix socket its writes
// succeed, into a buffer nobody reads (the close that comes later, with
// those bytes unread, resets the connection instead). A shutdown acts on
// the socket itself, whoever holds it: on Linux the other end's next write
// fails with a broken pipe at once, and its next read returns EOF.
func CloseNow(c net.Conn) error {
	if s, ok := c.(interface {
		CloseRead() error
		CloseWrite() error
	}); ok {
		s.CloseRead()
		s.CloseWrite()
	}
	return c.Close()
}
