//go:build unix

package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// buildTimeout bounds one go build.
const buildTimeout = 3 * time.Minute

// A Build is the outcome of compiling one program of a submission.
type Build struct {
	Program  string        // "server"
	Dir      string        // the package directory, as given
	Path     string        // the executable, when Err is nil
	Err      error         // why there is no executable; Output says more
	Output   string        // what the compiler printed
	Cached   bool          // the same sources were built before: no build
	Duration time.Duration // how long it took
}

// build compiles the Go program in dir, into out unless the cache has it.
//
// A directory inside the current module is built as a package of it; any
// other directory (a submission handed in elsewhere) is built from its .go
// files on their own, which allows imports from the standard library only.
func build(ctx context.Context, cache *buildCache, dir, out string) (b Build) {
	start := time.Now()
	defer func() { b.Duration = time.Since(start) }()
	b = Build{Program: filepath.Base(dir), Dir: dir, Path: out}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		b.Err = fmt.Errorf("there is no directory %s", dir)
		return b
	}
	key, cacheable := cache.key(dir)
	if path, ok := cache.lookup(key, b.Program); cacheable && ok {
		b.Path, b.Cached = path, true
		return b
	}
	args, workdir, err := buildArgs(dir, out)
	if err != nil {
		b.Err = err
		return b
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = workdir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	// The go command runs the compiler and linker as children: on timeout
	// or Ctrl-C, kill them all, and do not wait on their output.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		switch {
		case errors.Is(err, exec.ErrNotFound):
			b.Err = fmt.Errorf("cannot run the go command: %w", err)
		case ctx.Err() != nil:
			b.Err = fmt.Errorf("%s was not built: %w", dir, context.Cause(ctx))
		default:
			b.Err = fmt.Errorf("%s does not compile", dir)
		}
	}
	b.Output = strings.TrimSpace(output.String())
	if b.Err == nil && cacheable {
		if path, err := cache.store(key, b.Program, out); err == nil {
			b.Path = path
		}
	}
	return b
}

// buildArgs returns the go command's arguments and the directory to run
// it in.
func buildArgs(dir, out string) ([]string, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	if root, ok := moduleRoot(); ok {
		if rel, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(rel) {
			return []string{"build", "-o", out, "./" + filepath.ToSlash(rel)}, root, nil
		}
	}
	files, err := filepath.Glob(filepath.Join(abs, "*.go"))
	if err != nil {
		return nil, "", err
	}
	var srcs []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			srcs = append(srcs, filepath.Base(f))
		}
	}
	if len(srcs) == 0 {
		return nil, "", fmt.Errorf("there are no .go files in %s", dir)
	}
	return append([]string{"build", "-o", out}, srcs...), abs, nil
}

// moduleRoot returns the directory of the go.mod above the working
// directory.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
