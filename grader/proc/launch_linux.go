//go:build linux

package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// launcherAttr is how the grader starts a sandboxed launcher: the init of
// a new PID namespace, in a new mount namespace, killed if the grader
// dies.
func launcherAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
}

// programAttr is how the launcher starts the program: in a user namespace
// of its own (root there, which is the grader's user outside) and a mount
// namespace of its own, where the launcher's mounts are locked, and in its
// own process group.
func programAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		Setpgid:     true,
	}
}

// devices are the device files a program may use.
var devices = []string{"null", "zero", "full", "random", "urandom"}

// makeRoot makes the program's view of the machine in sb.Root and moves
// the launcher into it (pivot_root): the system's directories and the
// executable, read-only; the devices; a /proc of the new PID namespace;
// the work directory, writable; everything else (the user's files, the
// course, the results, the caches) absent.
func makeRoot(sb *sandboxSpec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("mounts private: %w", err)
	}
	root := sb.Root
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=1m"); err != nil {
		return fmt.Errorf("tmpfs: %w", err)
	}
	for _, d := range sb.Dirs {
		if err := show(root, d, true); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		return err
	}
	for _, dev := range devices {
		if err := show(root, "/dev/"+dev, false); err != nil {
			return err
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		os.Symlink(target, filepath.Join(root, "dev", name))
	}
	if err := show(root, sb.Exec, true); err != nil {
		return err
	}
	if err := show(root, sb.Work, false); err != nil {
		return err
	}
	proc := filepath.Join(root, "proc")
	if err := os.MkdirAll(proc, 0o555); err != nil {
		return err
	}
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("proc: %w", err)
	}
	old := filepath.Join(root, ".old")
	if err := os.MkdirAll(old, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	os.Remove("/.old")
	// The root itself read-only: only the work directory takes writes.
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("root read-only: %w", err)
	}
	return nil
}

// show makes path, a directory or a file, appear at the same place under
// root: a bind mount, read-only if ro. A directory that is a symbolic link
// (/bin -> usr/bin) is made the same link. A path that does not exist is
// left out.
func show(root, path string, ro bool) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	target := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		link, err := os.Readlink(path)
		if err != nil {
			return err
		}
		return os.Symlink(link, target)
	case info.IsDir():
		err = os.MkdirAll(target, 0o755)
	default:
		var f *os.File
		if f, err = os.Create(target); err == nil {
			f.Close()
		}
	}
	if err != nil {
		return err
	}
	if err := unix.Mount(path, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("show %s: %w", path, err)
	}
	if ro {
		// Keep the flags a user namespace may not clear (nosuid, nodev,
		// noexec) where the original mount has them.
		var st unix.Statfs_t
		flags := uintptr(0)
		if unix.Statfs(path, &st) == nil {
			flags = uintptr(st.Flags) & (unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_RELATIME | unix.ST_NOATIME)
		}
		if err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|flags, ""); err != nil {
			return fmt.Errorf("show %s read-only: %w", path, err)
		}
	}
	return nil
}

// systemDirs are the directories of the system a sandboxed program sees,
// read-only: what a program built elsewhere (in C) may link against, and
// /etc for the names of hosts.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}
