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

	"socklab/grader/coursetest"
	"socklab/grader/ports"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// A hostile submission, grader/testdata/hostile/<name>.txtar: the fixture
// course's reference solution of 01-echo (grader/testdata/course), changed
// only as its misbehaviour needs (edits applied as a mutant's are; the
// file's header says what they do), graded against the fixture's 01-echo
// scenarios, so that which scenarios fail follows from the scenarios
// themselves and the score from their points. The fixture is the tests'
// own: the live course can change as it likes.
type hostile struct {
	name string
	// fails says which scenarios must fail (nil: none), and why; every
	// other one must pass (or skip, where the machine cannot run it).
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

// hostileAssignment is the fixture course's assignment the hostile
// submissions are edits of, and are graded on.
const hostileAssignment = "01-echo"

var hostiles = []hostile{
	{name: "loop-before-listen", fails: startsProg("server"), hangs: true,
		why: "the server spins before it reads its arguments: it never listens nor exits"},
	{name: "never-exit", fails: awaitsSuccess("server"), hangs: true,
		why: "the scenario awaits the server's exit once it has served; its error paths still exit"},
	{name: "ignore-signals",
		why: "ignoring SIGINT/SIGTERM and leaving a child that holds no output costs nothing"},
	{name: "fork-child",
		why: "a child that keeps the listener and the output pipes delays await by pipeGrace (2 s), no more"},
	{name: "fork-child-conn", fails: awaitsSuccess("server"), hangs: true,
		why: "the child keeps the connection: the server's close sends no FIN, the peer never reads EOF"},
	{name: "print-100mb", fails: checksStdout("server"), says: "(and more, cut)", check: drainedFlood,
		why: `the 100 MB come before the "got:" line, which the grader's 1 MiB cut off; the rest is drained, so nothing else fails`},
	{name: "alloc-forever", fails: startsProg("server"), fast: true, says: "exited with status 2", linuxOnly: true,
		why: "the server dies at RLIMIT_DATA before it reads its arguments: Go's runtime says \"out of memory\", " +
			"or, when the limit hits its collector first, crashes (both exit with status 2)"},
	{name: "bind-held-port", fails: exceptFor(startsProg("server"), map[string]string{
		"usage-server-no-port": "the server checks its arguments before it binds",
	}), fast: true, says: "ERROR on binding", setup: holdFixedPort,
		why: "the server binds a port the test holds, fails with status 1, and dial or relay gives up"},
	{name: "killed-by-signal", fails: connectsProg("client"), fast: true, says: "killed by signal 9",
		why: "the client kills itself with SIGKILL once connected"},
}

// failing reports whether sc must fail.
func (h hostile) failing(sc scenario.Scenario) bool { return h.fails != nil && h.fails(sc) }

// Rules for which scenarios fail, from what they start, wait for and
// check (read from their scripts, so that they hold whatever the
// fixture's scenarios say).

// startsProg: the scenario starts prog.
func startsProg(prog string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool { return slices.Contains(sc.Programs, prog) }
}

// awaitsSuccess: a step awaits the exit of prog (under any name it is
// started as) with status 0, which needs it to have done all its work and
// exited by itself.
func awaitsSuccess(prog string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool {
		names := runsOf(sc, prog)
		return slices.ContainsFunc(sc.Script, func(line string) bool {
			cmd, args := scriptCommand(line, "-within")
			return cmd == "await" && len(args) == 2 && slices.Contains(names, args[0]) && args[1] == "0"
		})
	}
}

// checksStdout: a step checks a line prog (under any name) printed on
// stdout.
func checksStdout(prog string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool {
		names := runsOf(sc, prog)
		return slices.ContainsFunc(sc.Script, func(line string) bool {
			cmd, args := scriptCommand(line, "-file")
			return (cmd == "printed" || cmd == "exact") && len(args) >= 2 &&
				slices.Contains(names, args[0]) && args[1] == "stdout"
		})
	}
}

// connectsProg: the scenario starts prog and the grader accepts (or
// relays) its connection.
func connectsProg(prog string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool {
		return startsProg(prog)(sc) && slices.ContainsFunc(sc.Script, func(line string) bool {
			cmd, _ := scriptCommand(line)
			return cmd == "accept" || cmd == "relay"
		})
	}
}

// exceptFor is rule, but for the scenarios named, which pass for the
// reason given.
func exceptFor(rule func(scenario.Scenario) bool, passes map[string]string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool { _, ok := passes[sc.Name]; return rule(sc) && !ok }
}

// drainedFlood checks that the grader read the 100 MB to their end: it
// keeps draining past its 1 MiB cap, else the server would block in its
// write and fail every scenario at its time limit, even those that never
// look at its output (which must pass). The scenarios that fail, fail on
// what the server printed, not at a time limit.
func drainedFlood(t *testing.T, g *runner.Grade) {
	printed := regexp.MustCompile(`^\S+'s stdout is `)
	failed := 0
	for _, r := range g.Results {
		if r.Status == runner.Failed {
			failed++
			assert.Regexp(t, printed, r.Reason, "%s fails on the server's output, having read it all", r.Scenario.Name)
		}
	}
	assert.Positive(t, failed, "some scenario fails on the server's output")
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
// in time, with its feedback bounded; that the score is what the
// scenarios it passes are worth; that the results files are written and
// agree; and that no process of the submission is alive.
func TestHostilePrograms(t *testing.T) {
	coursetest.FixtureOnly(t)
	t.Parallel()
	course := coursetest.Fixture(t)
	assignments, err := scenario.Discover(course.Testdata(), hostileAssignment)
	require.NoError(t, err)
	scenarios := assignments[0].Scenarios
	solution := filepath.Join(course.Solutions(), hostileAssignment)

	grades := make([]*runner.Grade, len(hostiles))
	errs, skips := make([]error, len(hostiles)), make([]string, len(hostiles))
	alive, psErrs := make([][]string, len(hostiles)), make([]error, len(hostiles))
	var wg sync.WaitGroup
	for i, h := range hostiles {
		if h.linuxOnly && runtime.GOOS != "linux" {
			skips[i] = "needs Linux: " + h.why
			continue
		}
		src := hostileCopy(t, solution, h.name)
		if h.setup != nil {
			if err := h.setup(t, src); err != nil {
				skips[i] = err.Error()
				continue
			}
		}
		wg.Go(func() {
			grades[i], errs[i] = runner.Run(context.Background(), runner.Options{
				Src: src, Testdata: course.Testdata(), Assignment: hostileAssignment})
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

			if h.fails != nil {
				assert.True(t, slices.ContainsFunc(scenarios, h.fails), "the rule picks some scenario of the fixture to fail")
			}
			for _, r := range g.Results {
				checkHostileResult(t, h, r)
			}
			wantEarned, wantPossible := expectedScore(assignments, func(sc scenario.Scenario) bool { return !h.failing(sc) })
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
	switch {
	case skipsHere(sc):
		want = runner.Skipped
	case h.failing(sc):
		want = runner.Failed
	}
	name := fmt.Sprintf("%s (%v, %s: %s)", sc.Name, r.Duration.Round(time.Millisecond), r.Status, r.Reason)
	assert.Equal(t, want, r.Status, "%s\nwhy: %s\n%s", name, h.why, r.Feedback)
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

// holdFixedPort makes the port the bind-held-port server binds (fixedPort
// in its source) one that the test holds: it leases a port as a grader
// does, so that no grader on the machine hands it out meanwhile, listens
// on it, as another program would, so that the server's bind fails, and
// writes it into the server's source as fixedPort's value.
func holdFixedPort(t *testing.T, src string) error {
	main := filepath.Join(src, hostileAssignment, "server", "main.go")
	data, err := os.ReadFile(main)
	require.NoError(t, err)
	fixedPort := regexp.MustCompile(`(?m)^const fixedPort = \d+$`)
	require.Len(t, fixedPort.FindAll(data, -1), 1, "the server's source sets fixedPort")
	alloc, err := ports.New(ports.DefaultDir())
	if err != nil {
		return err
	}
	lease, err := alloc.Take()
	if err != nil {
		return err
	}
	t.Cleanup(lease.Release)
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", lease.Port))
	if err != nil {
		return fmt.Errorf("cannot hold port %d for bind-held-port: %v", lease.Port, err)
	}
	t.Cleanup(func() { l.Close() })
	data = fixedPort.ReplaceAll(data, fmt.Appendf(nil, "const fixedPort = %d", lease.Port))
	require.NoError(t, os.WriteFile(main, data, 0o644))
	return nil
}
