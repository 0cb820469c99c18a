//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// A hostile submission, grader/testdata/hostile/<name>.txtar: the
// reference solutions, changed only as its misbehaviour needs (edits
// applied as a mutant's are; the file's header says what they do), so
// that which scenarios fail follows from the scenarios themselves.
type hostile struct {
	name string
	// fails says which scenarios must fail, and why; every other one must
	// pass (or skip, where the machine cannot run it).
	fails func(sc scenario.Scenario) bool
	why   string
	// fast: they fail by a step that did not wait for the time limit (a
	// loaded machine may still take seconds to get there). hangs: they fail
	// at their time limit (or a step's -within), having waited for the
	// program.
	fast, hangs bool
	says        string                               // their feedback says this
	setup       func(t *testing.T, src string) error // before the grade; an error skips it
	check       func(t *testing.T, g *runner.Grade)  // after it
	linuxOnly   bool                                 // RLIMIT_DATA: macOS does not enforce it
}

var hostiles = []hostile{
	{name: "loop-before-listen", fails: startsProg("server"), hangs: true,
		why: "the server spins before it reads its arguments: it never listens nor exits"},
	{name: "never-exit", fails: awaitsSuccess("server"), hangs: true,
		why: "the scenario awaits the server's exit once it has served; its error paths still exit"},
	{name: "ignore-signals", fails: failsNone,
		why: "ignoring SIGINT/SIGTERM and leaving a child that holds no output costs nothing"},
	{name: "fork-child", fails: failsNone,
		why: "a child that keeps the listener and the output pipes delays await by pipeGrace, no more"},
	{name: "fork-child-conn", fails: awaitsSuccess("server"), hangs: true,
		why: "the child keeps the connection: the server's close sends no FIN, the peer never reads EOF"},
	{name: "print-100mb", fails: awaitsSuccess("server"), says: "(and more, cut)", check: drainedFlood,
		why: `the 100 MB come before "Here is the message", on the path that ends in status 0`},
	{name: "alloc-forever", fails: startsProg("server"), fast: true, says: "out of memory", linuxOnly: true,
		why: "the server dies at RLIMIT_DATA before it reads its arguments"},
	{name: "bind-held-port", fails: exceptFor(startsProg("server"), map[string]string{
		"usage-server-no-port": "the server checks its arguments before it binds",
		"port-in-use-server":   "its bind fails, as the scenario wants (the scenario cannot tell which port)",
	}), fast: true, says: "ERROR on binding", setup: holdFixedPort,
		why: "the server binds a port the test holds, fails with status 1, and dial or relay gives up"},
	{name: "killed-by-signal", fails: connectsProg("client"), fast: true, says: "killed by signal 9",
		why: "the client kills itself with SIGKILL once connected"},
}

// Rules for which scenarios fail, from what they start and wait for.
func failsNone(scenario.Scenario) bool { return false }

func startsProg(prog string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool { return slices.Contains(sc.Programs, prog) }
}

// awaitsSuccess: a step awaits prog's exit with status 0, which needs it to
// have done all its work and exited by itself.
func awaitsSuccess(prog string) func(scenario.Scenario) bool {
	re := regexp.MustCompile(`^\s*await\s+(-within\s+\S+\s+)?` + prog + `\s+0\s*$`)
	return func(sc scenario.Scenario) bool { return slices.ContainsFunc(sc.Script, re.MatchString) }
}

// connects: the scenario starts prog and the grader accepts (or relays)
// its connection.
func connectsProg(prog string) func(scenario.Scenario) bool {
	re := regexp.MustCompile(`^\s*(accept|relay)\s`)
	return func(sc scenario.Scenario) bool {
		return startsProg(prog)(sc) && slices.ContainsFunc(sc.Script, re.MatchString)
	}
}

// exceptFor is rule, but for the scenarios named, which pass for the
// reason given.
func exceptFor(rule func(scenario.Scenario) bool, passes map[string]string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool { _, ok := passes[sc.Name]; return rule(sc) && !ok }
}

// drainedFlood checks that the grader read the 100 MB to their end (it keeps
// draining past its cap, else the server would block and fail every
// scenario at its time limit): on a loaded machine some scenarios may hit
// their limit in the flood, but not all.
func drainedFlood(t *testing.T, g *runner.Grade) {
	assert.True(t, slices.ContainsFunc(g.Results, func(r runner.Result) bool {
		return r.Status == runner.Failed && strings.HasPrefix(r.Reason, "stdout is ")
	}), "some scenario fails on the server's output, having read it all")
}

// Bounds on time. A scenario ends by its time limit plus the grader's grace
// for winding up (script.grace, 2 s); hostileMargin is for a loaded machine.
const (
	hostileGrace  = 2 * time.Second
	hostileMargin = 2 * time.Second
)

// TestHostilePrograms grades every hostile submission at once (in
// goroutines, not parallel subtests, which -parallel would queue behind
// each other: most of the time goes in waiting for time limits), then
// checks each in a subtest: that each scenario passes or fails as it must,
// in time, with its feedback bounded; that the results files are written
// and agree; and that no process of the submission is alive.
func TestHostilePrograms(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	assignments, err := scenario.Discover("../testdata", "01-stream")
	require.NoError(t, err)
	scenarios := assignments[0].Scenarios

	grades := make([]*runner.Grade, len(hostiles))
	errs, skips := make([]error, len(hostiles)), make([]string, len(hostiles))
	alive, psErrs := make([][]string, len(hostiles)), make([]error, len(hostiles))
	var wg sync.WaitGroup
	for i, h := range hostiles {
		if h.linuxOnly && runtime.GOOS != "linux" {
			skips[i] = "needs Linux: " + h.why
			continue
		}
		src := hostileCopy(t, h.name)
		if h.setup != nil {
			if err := h.setup(t, src); err != nil {
				skips[i] = err.Error()
				continue
			}
		}
		wg.Go(func() {
			grades[i], errs[i] = runner.Run(context.Background(), runner.Options{
				Src: src, Testdata: "../testdata", Assignment: "01-stream"})
			if grades[i] != nil {
				alive[i], psErrs[i] = hostileSurvivors(grades[i].Builds)
			}
		})
	}
	wg.Wait()

	for i, h := range hostiles {
		t.Run(h.name, func(t *testing.T) {
			g := grades[i]
			if skips[i] != "" {
				t.Skip(skips[i])
			}
			require.NoError(t, errs[i])
			require.NoError(t, psErrs[i])
			assert.Empty(t, alive[i], "processes of the submission alive %v after the grade (killed since)", hostileReapWait)
			require.Len(t, g.Results, len(scenarios))
			assert.False(t, g.Errored(), "the grader did not break: %s", g.Broken)

			wantEarned, wantPossible := 0, 0
			for _, r := range g.Results {
				checkHostileResult(t, h, r)
				if r.Status != runner.Skipped {
					wantPossible += r.Scenario.Points
					if !h.fails(r.Scenario) {
						wantEarned += r.Scenario.Points
					}
				}
			}
			earned, possible := g.Score()
			assert.Equal(t, wantEarned, earned, "score")
			assert.Equal(t, wantPossible, possible, "possible")

			build := time.Duration(0)
			for _, b := range g.Builds {
				require.NoError(t, b.Err, "%s:\n%s", b.Program, b.Output)
				build += b.Duration
			}
			limit := build + scheduleBound(scenarios, runner.DefaultJobs()) + hostileMargin
			assert.LessOrEqual(t, g.Duration, limit,
				"the grade ends within its builds and its scenarios' time limits, run %d at once", runner.DefaultJobs())
			checkHostileOutputs(t, g, wantEarned, wantPossible)
			if h.check != nil {
				h.check(t, g)
			}
			t.Logf("%d/%d in %v (builds %v)", earned, possible, g.Duration.Round(time.Millisecond), build.Round(time.Millisecond))
		})
	}
}

// checkHostileResult checks one scenario's result against what h says.
func checkHostileResult(t *testing.T, h hostile, r runner.Result) {
	t.Helper()
	sc := r.Scenario
	want := runner.Passed
	if h.fails(sc) {
		want = runner.Failed
	}
	name := fmt.Sprintf("%s (%v, %s: %s)", sc.Name, r.Duration.Round(time.Millisecond), r.Status, r.Reason)
	skippable := slices.ContainsFunc(sc.Script, func(l string) bool { return strings.Contains(l, "] skip ") })
	if !(r.Status == runner.Skipped && skippable) {
		assert.Equal(t, want, r.Status, "%s\nwhy: %s\n%s", name, h.why, r.Feedback)
	}
	assert.LessOrEqual(t, r.Duration, sc.Timeout+hostileGrace+hostileMargin,
		"%s ends within its time limit, the grace and the margin", name)
	if r.Status != runner.Failed {
		return
	}
	assert.LessOrEqual(t, len(r.Feedback), 33<<10, "%s: the feedback is bounded (32 KiB)", name)
	assert.Contains(t, r.Feedback, h.says, "%s: the feedback says why", name)
	if h.fast {
		assert.NotRegexp(t, `time limit|did not exit within`, r.Reason, "%s fails fast, not by its time limit", name)
		assert.Less(t, r.Duration, sc.Timeout, "%s fails fast, before its time limit", name)
	}
	within := slices.ContainsFunc(sc.Script, func(l string) bool { return strings.Contains(l, "-within") })
	if h.hangs && !within {
		assert.GreaterOrEqual(t, r.Duration, sc.Timeout-100*time.Millisecond,
			"%s fails at its time limit, by the hang, not sooner", name)
	}
}

// scheduleBound bounds how long the scenarios take, run jobs at once, each
// taking up to its time limit and the grace: all at once when they fit,
// else Graham's bound for list scheduling (the total over jobs, plus the
// longest).
func scheduleBound(scenarios []scenario.Scenario, jobs int) time.Duration {
	var total, longest time.Duration
	for _, sc := range scenarios {
		total += sc.Timeout + hostileGrace
		longest = max(longest, sc.Timeout+hostileGrace)
	}
	if jobs >= len(scenarios) {
		return longest
	}
	return total/time.Duration(jobs) + longest
}

// checkHostileOutputs writes the results files as the grade command does,
// and checks that they parse, agree with the score, and stay small.
func checkHostileOutputs(t *testing.T, g *runner.Grade, earned, possible int) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, writeOutputs(g, filepath.Join(dir, "results.json"), noEnv))
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Less(t, len(data), len(g.Results)*33<<10+64<<10, "%s stays small", name)
		return data
	}
	var gradescope report.Results
	require.NoError(t, json.Unmarshal(read("results.json"), &gradescope), "results.json")
	assert.Equal(t, earned, gradescope.Score)
	assert.Equal(t, possible, gradescope.MaxScore)

	var classroom report.Classroom
	require.NoError(t, json.Unmarshal(read("classroom.json"), &classroom), "classroom.json")
	assert.Equal(t, possible, classroom.MaxScore)
	sum := 0
	for _, test := range classroom.Tests {
		sum += test.Score
	}
	assert.Equal(t, earned, sum, "classroom.json's points")

	var junit report.JUnit
	require.NoError(t, xml.Unmarshal(read("junit.xml"), &junit), "junit.xml")
	failed := 0
	for _, r := range g.Results {
		if r.Status == runner.Failed {
			failed++
		}
	}
	assert.Equal(t, len(g.Results), junit.Tests)
	assert.Equal(t, failed, junit.Failures)

	var text bytes.Buffer
	require.NoError(t, printText(&text, g, noEnv))
	assert.Less(t, text.Len(), 2<<20, "the text report stays small")
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	assert.Equal(t, fmt.Sprintf("Score: %d/%d", earned, possible), lines[len(lines)-1])
}

// holdFixedPort listens on the port the bind-held-port server binds
// (fixedPort in its source), as another scenario's program would, so that
// the server's bind fails, and no grader leases the port meanwhile. Another
// grader may hold it for a moment: it waits for it.
func holdFixedPort(t *testing.T, src string) error {
	data, err := os.ReadFile(filepath.Join(src, "01-stream", "server", "main.go"))
	require.NoError(t, err)
	m := regexp.MustCompile(`const fixedPort = (\d+)`).FindSubmatch(data)
	require.NotNil(t, m, "the server's source sets fixedPort")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		l, err := net.Listen("tcp", ":"+string(m[1]))
		if err == nil {
			t.Cleanup(func() { l.Close() })
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot hold port %s for bind-held-port: %v", m[1], err)
		}
	}
}
