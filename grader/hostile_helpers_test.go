//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socklab/grader/mutant"
	"socklab/grader/runner"
)

// hostileCopy writes the hostile submission name, the reference solution
// (../solutions/01-stream) with the edits of testdata/hostile/<name>.txtar
// (applied as a mutant's are), into a directory of the test's own, out of
// the module (graded as a handed-in copy is), with a comment naming that
// directory added to each Go file. The sources, and so the build cache's
// key, are this run's alone: its executables are not shared with another
// test, another fixture or another go test, and every process running one
// of them is this run's.
func hostileCopy(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	fixture := filepath.Join("testdata", "hostile", name+".txtar")
	data, err := os.ReadFile(fixture)
	require.NoError(t, err)
	m, err := mutant.ParseEdits(name, data)
	require.NoError(t, err, fixture)
	require.NoError(t, m.Apply(filepath.Join("..", "solutions", "01-stream"), src))
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString("\n// Copied to " + src + " for " + t.Name() + ".\n")
		return errors.Join(err, f.Close())
	})
	require.NoError(t, err)
	return src
}

// hostileReapWait is how long hostileSurvivors waits for the processes of
// a grade to be gone: killed processes are reaped by their parent (the
// grader) or, orphaned, by init, a moment later.
const hostileReapWait = 3 * time.Second

// hostileSurvivors returns the processes still running one of the
// executables built for a grade, hostileReapWait after it (zombies aside:
// they are dead, waiting to be reaped), from the process table as ps shows
// it on Linux and macOS: ps's line for each. It kills each one it returns,
// by process ID, so that the test leaves nothing behind either.
func hostileSurvivors(builds []runner.Build) ([]string, error) {
	var paths []string
	for _, b := range builds {
		if b.Err != nil || b.Path == "" {
			continue
		}
		paths = append(paths, b.Path)
		if real, err := filepath.EvalSymlinks(b.Path); err == nil && real != b.Path {
			paths = append(paths, real) // what os.Executable says, for a re-exec
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	deadline := time.Now().Add(hostileReapWait)
	for {
		alive, err := runningFrom(paths)
		if err != nil || len(alive) == 0 {
			return nil, err
		}
		if time.Now().After(deadline) {
			var lines []string
			for pid, line := range alive {
				syscall.Kill(pid, syscall.SIGKILL)
				lines = append(lines, line)
			}
			return lines, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runningFrom returns the live processes whose command line names one of
// paths, by process ID: ps's line for each.
func runningFrom(paths []string) (map[int]string, error) {
	out, err := exec.Command("ps", "-A", "-ww", "-o", "pid=,pgid=,stat=,args=").Output()
	if err != nil {
		return nil, fmt.Errorf("ps: %w", err)
	}
	alive := map[int]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || strings.HasPrefix(f[2], "Z") {
			continue
		}
		args := strings.Join(f[3:], " ")
		for _, p := range paths {
			if strings.Contains(args, p) {
				if pid, err := strconv.Atoi(f[0]); err == nil && pid != os.Getpid() {
					alive[pid] = strings.TrimSpace(line)
				}
				break
			}
		}
	}
	return alive, nil
}
