//go:build unix

package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"socklab/grader/proc"
)

// Bounds on one go build of a student's program: its time (BuildTimeout), the memory of
// each process of it (RLIMIT_DATA: the compiler needs some 300 MiB), the
// size of a file it writes (RLIMIT_FSIZE: a program with a huge array
// makes a huge executable), and the size of the executable the grader
// accepts and caches.
const (
	BuildTimeout = 3 * time.Minute
	buildMemory  = 3 << 30
	buildFile    = 256 << 20
)

// MaxProgram is the largest executable the grader accepts (a variable for
// the tests).
var MaxProgram int64 = 64 << 20

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

// buildFlags go to every build: no paths of the grading machine in the
// executable, so that the compile cache serves any copy of the same
// sources (-trimpath), and no symbol table, for a faster link (panics
// still show their stacks).
var buildFlags = []string{"-trimpath", "-ldflags=-s -w"}

// build compiles the Go program in dir, into out unless the cache has it.
//
// A program is built from its own .go files, with the standard library
// only, whatever module holds them: the course's, a student's own go.mod
// (which may ask for another Go), or none (see stage).
//
// building, if set, is told the directory when the compiler is about to
// run (the cache did not have the program), and again when it is done.
func build(ctx context.Context, cache *buildCache, dir, out string, building func(dir string, done bool)) (b Build) {
	start := time.Now()
	defer func() { b.Duration = time.Since(start) }()
	b = Build{Program: filepath.Base(dir), Dir: dir, Path: out}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		b.Err = fmt.Errorf("there is no directory %s", dir)
		return b
	}
	key := cache.key(dir, b.Program)
	if path, ok := cache.lookup(key, b.Program); ok {
		b.Path, b.Cached = path, true
		return b
	}
	if building != nil {
		building(dir, false)
		defer building(dir, true)
	}
	src, err := stage(dir, out+".src")
	defer os.RemoveAll(src)
	if err != nil {
		b.Err = err
		return b
	}
	// Build where the cache can take the program in with a rename.
	slot := ""
	if key != "" {
		if slot, err = cache.slot(); err == nil {
			b.Path = filepath.Join(slot, b.Program)
			defer func() {
				if filepath.Dir(b.Path) != slot { // taken into the cache, or moved out
					os.RemoveAll(slot)
				}
			}()
		}
	}
	ctx, cancel := context.WithTimeout(ctx, BuildTimeout)
	defer cancel()
	args := append(append([]string{"build"}, buildFlags...), "-o", b.Path, ".")
	cmd, err := proc.Command(ctx, map[string]uint64{"data": buildMemory, "fsize": buildFile}, "go", args...)
	if err != nil {
		b.Err = fmt.Errorf("cannot run the go command: %w", err)
		return b
	}
	cmd.Dir = src
	// No cgo: a student's C (or #include "/dev/zero") does not run at build
	// time, and the program is the standard library's and its own only.
	cmd.Env = append(cmd.Env, "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	// The go command runs the compiler and linker as children: on timeout
	// or Ctrl-C, kill them all, and do not wait on their output.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		switch {
		case errors.Is(err, exec.ErrNotFound):
			b.Err = fmt.Errorf("cannot run the go command: %w", err)
		case ctx.Err() != nil:
			b.Err = fmt.Errorf("%s was not built: %w", dir, context.Cause(ctx))
		case strings.Contains(output.String(), "file size limit exceeded") || tooLarge.MatchString(output.String()) ||
			errors.As(err, &exit) && signaled(exit, syscall.SIGXFSZ):
			b.Err = fmt.Errorf("%s was not built: the build wrote a file over %d MiB (a huge array?)", dir, buildFile>>20)
		default:
			b.Err = fmt.Errorf("%s does not compile", dir)
		}
	}
	b.Output = compilerOutput(output.String(), dir)
	if info, err := os.Stat(b.Path); b.Err == nil && err == nil && info.Size() > MaxProgram {
		b.Err = fmt.Errorf("%s makes an executable of %d MiB, over the %d MiB a program may be (a huge array?)",
			dir, info.Size()>>20, MaxProgram>>20)
		os.Remove(b.Path)
	}
	if b.Err == nil && slot != "" {
		b.Path = cache.keep(key, slot, b.Program, out)
	}
	return b
}

// tooLarge matches what the go command's tools (which ignore SIGXFSZ) say
// when a write fails at RLIMIT_FSIZE: "compile: writing output: write
// $WORK/b001/_pkg_.a: file too large".
var tooLarge = regexp.MustCompile(`(?m)\bwrite \S+: file too large$`)

// signaled reports whether a process ended by the signal sig.
func signaled(e *exec.ExitError, sig syscall.Signal) bool {
	ws, ok := e.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// stage copies the program's .go files, tests left out, into the new
// directory into, with a go.mod of its own for the Go that builds it.
func stage(dir, into string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(into, 0o755); err != nil {
		return "", err
	}
	n := 0
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory named like a file, or gone
		}
		// go build makes a library of any other package, not a program.
		if pf, err := parser.ParseFile(fset, f, data, parser.PackageClauseOnly); err == nil && pf.Name.Name != "main" {
			return into, fmt.Errorf("%s is not a program: %s is package %s; a program is package main, with a func main",
				dir, filepath.Base(f), pf.Name.Name)
		}
		if err := os.WriteFile(filepath.Join(into, filepath.Base(f)), data, 0o644); err != nil {
			return into, err
		}
		n++
	}
	if n == 0 {
		return into, fmt.Errorf("there are no .go files in %s", dir)
	}
	version, err := goVersion()
	if err != nil {
		return into, fmt.Errorf("cannot run the go command: %w", err)
	}
	mod := "module " + stagedModule + "\n\ngo " + version + "\n"
	return into, os.WriteFile(filepath.Join(into, "go.mod"), []byte(mod), 0o644)
}

// stagedModule is the module a staged program belongs to.
const stagedModule = "program"

// goVersion is the version of the go command, as go.mod writes it: 1.26.8.
var goVersion = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", err
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
	v, _, _ = strings.Cut(v, " ") // "1.27rc1 X:..." on development builds
	return v, nil
})

// compilerOutput makes the compiler's messages point at the program's own
// files ("./main.go:3:2: ..." and "main.go:3:2: ..." become
// "<dir>/main.go:3:2: ..."), names the directory in the package's heading,
// and says what a missing package means here.
func compilerOutput(out, dir string) string {
	var b strings.Builder
	dir = filepath.ToSlash(dir)
	goGet := false // the go command's advice follows: not for here
	for line := range strings.Lines(strings.TrimSpace(out)) {
		if goGet && strings.HasPrefix(strings.TrimSpace(line), "go get ") {
			continue
		}
		goGet = false
		switch {
		case fileLine.MatchString(line):
			line = dir + "/" + strings.TrimPrefix(line, "./")
		case strings.TrimSpace(line) == "# "+stagedModule:
			line = "# " + dir + "\n"
		}
		if before, _, ok := strings.Cut(line, "; to add it:"); ok {
			line = before + ": programs here use the standard library only\n"
			goGet = true
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n")
}

// fileLine matches a compiler message about a file of the program.
var fileLine = regexp.MustCompile(`^(\./)?[^/\s:]+\.go:\d+`)
