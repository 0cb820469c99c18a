//go:build unix

package script

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/ports"
)

func TestMain(m *testing.M) {
	testscript.Main(m, fixtures)
}

// programs maps each fixture to its executable, as the runner maps an
// assignment's programs to their builds.
func programs(t *testing.T) map[string]string {
	t.Helper()
	progs := make(map[string]string)
	for name := range fixtures {
		path, err := exec.LookPath(name)
		require.NoError(t, err)
		progs[name] = path
	}
	return progs
}

func allocator(t *testing.T) *ports.Allocator {
	t.Helper()
	alloc, err := ports.New(ports.DefaultDir())
	require.NoError(t, err)
	return alloc
}

// runFile runs the script in path as the runner does: from what it read.
func runFile(t *testing.T, path string, timeout time.Duration, progs map[string]string, alloc *ports.Allocator) Outcome {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return Run(context.Background(), path, data, timeout, progs, alloc)
}

// TestCommandsPass runs each script in testdata/pass, which must pass.
func TestCommandsPass(t *testing.T) {
	progs, alloc := programs(t), allocator(t)
	files, _ := filepath.Glob("testdata/pass/*.txtar")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			t.Parallel()
			out := runFile(t, f, 5*time.Second, progs, alloc)
			require.Empty(t, out.Crash)
			require.False(t, out.Failed, "log:\n%s\nreport:\n%s", out.Log, out.Report)
			require.False(t, out.Abandoned)
		})
	}
}

// wantLine is the header line of a script in testdata/fail that says what
// its failure message must contain: "# want:" for a failure of the
// programs, "# want-broken:" for a mistake in the script, which aborts it.
var wantLine = regexp.MustCompile(`(?m)^# want(-broken)?: (.+)$`)

// TestCommandsFail runs each script in testdata/fail, which must fail with
// the message its want line gives, quickly.
func TestCommandsFail(t *testing.T) {
	progs, alloc := programs(t), allocator(t)
	files, _ := filepath.Glob("testdata/fail/*.txtar")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			m := wantLine.FindSubmatch(data)
			require.NotNil(t, m, "no '# want:' line")
			start := time.Now()
			out := runFile(t, f, 5*time.Second, progs, alloc)
			require.Empty(t, out.Crash)
			require.True(t, out.Failed, "the script passed; log:\n%s", out.Log)
			// The log echoes the script's comments, the want line among
			// them: look in the failure line only.
			fail := regexp.MustCompile(`(?m)^FAIL: .*$`).FindString(out.Log)
			require.NotEmpty(t, fail, "log:\n%s", out.Log)
			require.Contains(t, fail, string(m[2]))
			if len(m[1]) > 0 {
				require.Contains(t, out.Broken, string(m[2]), "the script should abort, not fail")
			} else {
				require.Empty(t, out.Broken, "the programs failed: the script should not abort")
			}
			require.Less(t, time.Since(start), 4*time.Second, "a failure should not wait for the time limit")
		})
	}
}

// TestRunKillsWhatItStarted checks that a program that ignores SIGINT and
// SIGTERM and never exits is gone when Run returns.
func TestRunKillsWhatItStarted(t *testing.T) {
	script := filepath.Join(t.TempDir(), "sleeper.txtar")
	require.NoError(t, os.WriteFile(script, []byte("start sleeper\nwaitfor sleeper stdout sleeping\n"), 0o644))
	st := runAndKeep(t, script)
	procs := st.Processes()
	require.Len(t, procs, 1)
	require.True(t, procs[0].Exited())
	require.Contains(t, procs[0].Status(), "killed at the end of the scenario")
}

// TestRunTimesOut checks that a script stuck on a program that never
// answers ends at its time limit, failed.
func TestRunTimesOut(t *testing.T) {
	script := filepath.Join(t.TempDir(), "stuck.txtar")
	require.NoError(t, os.WriteFile(script, []byte("start sleeper\nawait sleeper 0\n"), 0o644))
	start := time.Now()
	out := runFile(t, script, 300*time.Millisecond, programs(t), allocator(t))
	require.True(t, out.Failed)
	require.Contains(t, out.Log, "sleeper did not exit before the time limit")
	require.Less(t, time.Since(start), 2*time.Second)
}

// TestSkip checks that a script's skip is reported as such.
func TestSkip(t *testing.T) {
	script := filepath.Join(t.TempDir(), "skip.txtar")
	require.NoError(t, os.WriteFile(script, []byte("skip 'not here'\n"), 0o644))
	out := runFile(t, script, time.Second, programs(t), allocator(t))
	require.False(t, out.Failed)
	require.Equal(t, "not here", out.Skipped)
}

// runAndKeep runs a script like Run does, keeping its state to look at.
func runAndKeep(t *testing.T, script string) *State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st := NewState(ctx, programs(t), allocator(t))
	rec := &recorder{}
	func() {
		defer rec.catch()
		testscript.RunT(rec, testscript.Params{Files: []string{script}, Setup: st.Setup, Cmds: Commands()})
	}()
	_, failed, _, crash := rec.outcome()
	require.Empty(t, crash)
	require.False(t, failed)
	return st
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:         "plain",
		`line\n`:        "line\n",
		`tab\there`:     "tab\there",
		`\x00\xff`:      "\x00\xff",
		`caf\u00e9`:     "café",
		`it's "quoted"`: `it's "quoted"`,
	} {
		got, err := unescape(in)
		require.NoError(t, err)
		require.Equal(t, want, string(got), "unescape(%q)", in)
	}
	_, err := unescape(`bad \q escape`)
	require.Error(t, err)
}

func TestCondition(t *testing.T) {
	_, err := Condition("ipv6")
	require.NoError(t, err)
	_, err = Condition("nonsense")
	require.Error(t, err)
}

// TestCommandsAfterClose checks that once a scenario's state is closed (its
// time is up), a command still running cannot leave a program or a port
// behind: it undoes what it did and aborts.
func TestCommandsAfterClose(t *testing.T) {
	for name, line := range map[string]string{
		"port":  "port P",
		"start": "start sleeper",
		"hold":  "hold tcp 127.0.0.1:0",
	} {
		t.Run(name, func(t *testing.T) {
			script := filepath.Join(t.TempDir(), "late.txtar")
			require.NoError(t, os.WriteFile(script, []byte(line+"\n"), 0o644))
			st := NewState(context.Background(), programs(t), allocator(t))
			st.Close()
			rec := &recorder{}
			func() {
				defer rec.catch()
				testscript.RunT(rec, testscript.Params{Files: []string{script}, Setup: st.Setup, Cmds: Commands()})
			}()
			_, failed, _, _ := rec.outcome()
			assert.True(t, failed)
			assert.Contains(t, st.Broken(), "the scenario ended")
			assert.Empty(t, st.Processes(), "nothing kept")
			assert.Empty(t, st.reg.entries)
		})
	}
}
