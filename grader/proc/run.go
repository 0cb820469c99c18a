//go:build unix

package proc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"socklab/grader/sandbox"
)

// startWait bounds how long Start waits for a sandboxed launcher to say
// that the program started.
const startWait = 10 * time.Second

// nobody is the unprivileged user a root grader runs programs as, where it
// has no namespaces (sandbox.OtherUser).
const nobody = 65534

// launcher prepares p.cmd to run path with args in dir with env, through
// the launcher (launch.go), at the grader's level of isolation: sandboxed
// in namespaces, as another user, or in a process group only. Without its
// own executable (it cannot find it), the grader runs the program as it
// is, with no limits.
func (p *Process) launcher(path string, args []string, dir string, env []string) error {
	self, err := os.Executable()
	if err != nil {
		p.cmd = exec.Command(path, args...)
		p.cmd.Dir, p.cmd.Env = dir, env
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return nil
	}
	spec := launchSpec{Limits: limits()}
	attr := &syscall.SysProcAttr{Setpgid: true}
	switch sandbox.Current() {
	case sandbox.Namespaces:
		root, err := os.MkdirTemp("", "socklab-root-")
		if err != nil {
			return err
		}
		p.temps = append(p.temps, root)
		spec.Sandbox = &sandboxSpec{Root: root, Work: dir, Exec: path, Dirs: systemDirs}
		attr = launcherAttr()
		if p.status, p.statusW, err = os.Pipe(); err != nil {
			return err
		}
		p.lines = make(chan string, 4)
	case sandbox.OtherUser:
		if path, err = p.readable(path); err != nil {
			return err
		}
		spec.User = nobody
	}
	encoded, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	p.cmd = exec.Command(self, append([]string{path}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Env = append(slices.Clip(env), launchEnv+"="+string(encoded))
	p.cmd.SysProcAttr = attr
	if p.statusW != nil {
		p.cmd.ExtraFiles = []*os.File{p.statusW} // statusFD
	}
	return nil
}

// readable copies the executable at path where another user can run it
// (the grader's caches are its own), and returns the copy's path.
func (p *Process) readable(path string) (string, error) {
	dir, err := os.MkdirTemp("", "socklab-exec-")
	if err != nil {
		return "", err
	}
	p.temps = append(p.temps, dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	src, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer src.Close()
	copyPath := filepath.Join(dir, filepath.Base(path))
	// No program starts while the copy is open for writing: a child forked
	// meanwhile would hold it open until its own exec, and the copy's exec
	// could fail with "text file busy" (ETXTBSY).
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	dst, err := os.OpenFile(copyPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return copyPath, err
}

// started waits, for a sandboxed program, until its launcher says it
// started it, or could not; then it reads what comes after in the
// background. For any other program it returns at once.
func (p *Process) started() error {
	if p.status == nil {
		return nil
	}
	p.statusW.Close() // the launcher has its own copy
	go func() {
		lines := bufio.NewScanner(p.status)
		for lines.Scan() {
			p.lines <- lines.Text()
		}
		close(p.lines)
	}()
	select {
	case line, ok := <-p.lines:
		switch {
		case ok && line == "started":
			return nil
		case ok && strings.HasPrefix(line, "error "):
			return fmt.Errorf("the sandbox of %s: %s", p.Name, strings.TrimPrefix(line, "error "))
		case ok:
			return fmt.Errorf("the sandbox of %s said %q", p.Name, line)
		}
		return errors.New("the sandbox of " + p.Name + " ended before it started the program")
	case <-time.After(startWait):
		return fmt.Errorf("the sandbox of %s did not start it within %v", p.Name, startWait)
	}
}

// finish takes, once the launcher has exited, its last word on how the
// program ended.
func (p *Process) finish() {
	if p.status == nil {
		return
	}
	for line := range p.lines {
		if strings.HasPrefix(line, "exit ") || strings.HasPrefix(line, "signal ") {
			p.mu.Lock()
			p.result = line
			p.mu.Unlock()
		}
	}
	p.status.Close()
}

// cleanup removes what Start made for this run.
func (p *Process) cleanup() {
	if p.statusW != nil {
		p.statusW.Close()
	}
	for _, t := range p.temps {
		os.RemoveAll(t)
	}
}
