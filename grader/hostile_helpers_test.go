//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socklab/grader/mutant"
	"socklab/grader/runner"
	"socklab/grader/scenario"
	"socklab/grader/script"
)

// hostileCopy writes the hostile submission name, the fixture course's
// reference solution of its assignment (solution, a directory
// testdata/course/solutions/<NN-name>) with the edits of
// testdata/hostile/<name>.txtar (applied as a mutant's are), into a
// directory of the test's own, out of the module (graded as a handed-in
// copy is), with a comment naming that directory added to each Go file.
// The sources, and so the build cache's key, are this run's alone: its
// executables are not shared with another test, another fixture or
// another go test, and every process running one of them is this run's.
func hostileCopy(t *testing.T, solution, name string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	fixture := filepath.Join("testdata", "hostile", name+".txtar")
	data, err := os.ReadFile(fixture)
	require.NoError(t, err)
	m, err := mutant.ParseEdits(name, data)
	require.NoError(t, err, fixture)
	require.NoError(t, m.Apply(solution, src), fixture)
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

// scriptCommand returns the command of a scenario's script line and its
// arguments, split at spaces (quotes aside: for names and statuses, not
// texts), its [conditions] left out, and the leading flags named in
// valueFlags left out with their values. A comment or a blank line has no
// command.
func scriptCommand(line string, valueFlags ...string) (cmd string, args []string) {
	f := strings.Fields(line)
	for len(f) > 0 && strings.HasPrefix(f[0], "[") {
		f = f[1:]
	}
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", nil
	}
	cmd, args = f[0], f[1:]
	for len(args) >= 2 && slices.Contains(valueFlags, args[0]) {
		args = args[2:]
	}
	return cmd, args
}

// runsOf returns the names a scenario gives the runs of prog: prog, or
// NAME where it starts it with -as NAME.
func runsOf(sc scenario.Scenario, prog string) []string {
	var names []string
	for _, line := range sc.Script {
		cmd, args := scriptCommand(line)
		if cmd != "start" || len(args) == 0 {
			continue
		}
		name, p := args[0], args[0]
		if args[0] == "-as" && len(args) >= 3 {
			name, p = args[1], args[2]
		}
		if p == prog && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// skipsHere reports whether a scenario skips itself on this machine: a
// skip step whose [condition] holds here (or that has none).
func skipsHere(sc scenario.Scenario) bool {
	return slices.ContainsFunc(sc.Script, func(line string) bool {
		cmd, _ := scriptCommand(line)
		return cmd == "skip" && script.Ran(line)
	})
}

// expectedScore is the score of a grade of the assignments as in which
// the scenarios passes says pass and every other one fails: the points of
// the scenarios that run on this machine (skipsHere), each assignment's
// scaled to its total if it sets one, as runner.Grade.AssignmentScore
// scales them.
func expectedScore(as []scenario.Assignment, passes func(scenario.Scenario) bool) (earned, possible int) {
	for _, a := range as {
		e, p := 0, 0
		for _, sc := range a.Scenarios {
			if skipsHere(sc) {
				continue
			}
			p += sc.Points
			if passes(sc) {
				e += sc.Points
			}
		}
		if a.Total > 0 && p > 0 {
			e, p = (e*a.Total+p/2)/p, a.Total
		}
		earned += e
		possible += p
	}
	return earned, possible
}
