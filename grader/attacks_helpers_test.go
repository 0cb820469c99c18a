//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"socklab/grader/batch"
	"socklab/grader/coursetest"
	"socklab/grader/mutant"
	"socklab/grader/ports"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/sandbox"
	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// The attack tests (attacks_test.go) run the real grader, with its
// isolation, as a subprocess: this test binary, told by testMainEnv to be
// the grader. Its own re-runs (sandbox.Enter's inner grader, the
// launcher of each program, batch workers) are this binary again, with
// the environment they inherit: proc's and batch's init handle theirs
// before TestMain, and TestMain hands the rest to main.
const (
	// testMainEnv makes the test binary the grader: TestMain calls main.
	testMainEnv = "SOCKLAB_TEST_MAIN"
	// testPortsEnv, in a grader started in a mount and a network
	// namespace of its own (attackRun.ports), names a directory that
	// TestMain binds over the port allocator's shared one
	// (ports.DefaultDir) before main, and TestMain brings the loopback
	// up: the grader then shares its lock directory only with the test,
	// which can make it as hostile as an attack needs, and its network
	// with no other grader, so that neither stalls, fools or collides
	// with any other grader on the machine (other tests among them),
	// whatever its programs do there. At process groups, the level such
	// runs are for, the grader's logic is the same in there.
	testPortsEnv = "SOCKLAB_TEST_PORTS"
	// testSquatEnv, with testPortsEnv, is a port that TestMain listens on
	// at 127.0.0.2 before main, as another program of the grader's
	// network would. (If that does not stop a wildcard listen on the port
	// there, the grader exits with testNothingToFool.)
	testSquatEnv = "SOCKLAB_TEST_SQUAT"
	// testLockWaitEnv sets ports.LockWait (a duration) before main: a
	// test of the bound need not wait the grader's 5 s for it.
	testLockWaitEnv = "SOCKLAB_TEST_LOCKWAIT"
)

func TestMain(m *testing.M) {
	if os.Getenv(testMainEnv) != "" {
		if err := testGraderSetup(); err != nil {
			fmt.Fprintf(os.Stderr, "the test's grader: %v\n", err)
			os.Exit(testSetupFailed)
		}
		main()
		os.Exit(exitBroken) // main exits
	}
	status := m.Run()
	if seedDir != "" {
		os.RemoveAll(seedDir)
	}
	os.Exit(status)
}

// The exit statuses of a test's grader that could not do what
// testPortsEnv, testSquatEnv or testLockWaitEnv asked, or found a
// listener on 127.0.0.2 no obstacle to a wildcard listen.
const (
	testSetupFailed   = 97
	testNothingToFool = 98
)

// squatter is the listener testSquatEnv asks for, kept open.
var squatter net.Listener

// testGraderSetup does, in a test's grader, what testPortsEnv and
// testLockWaitEnv ask, once: the graders it starts do not.
func testGraderSetup() error {
	if d := os.Getenv(testLockWaitEnv); d != "" {
		wait, err := time.ParseDuration(d)
		if err != nil {
			return err
		}
		ports.LockWait = wait
	}
	dir := os.Getenv(testPortsEnv)
	if dir == "" {
		return nil
	}
	os.Unsetenv(testPortsEnv)
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("mounts private: %w", err)
	}
	if err := unix.Mount(dir, ports.DefaultDir(), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s over %s: %w", dir, ports.DefaultDir(), err)
	}
	if err := sandbox.LoopbackUp(); err != nil {
		return fmt.Errorf("the loopback: %w", err)
	}
	if port := os.Getenv(testSquatEnv); port != "" {
		os.Unsetenv(testSquatEnv)
		var err error
		if squatter, err = net.Listen("tcp", "127.0.0.2:"+port); err != nil {
			return err
		}
		if wild, err := net.Listen("tcp", ":"+port); err == nil {
			wild.Close()
			os.Exit(testNothingToFool)
		}
	}
	return nil
}

// An attackLevel is a level of isolation the grader is run at.
type attackLevel struct {
	level sandbox.Level
	env   string // SOCKLAB_ISOLATION for the grader: "" leaves it to choose (namespaces here)
}

var (
	atNamespaces    = attackLevel{sandbox.Namespaces, ""}
	atOtherUser     = attackLevel{sandbox.OtherUser, string(sandbox.OtherUser)}
	atProcessGroups = attackLevel{sandbox.ProcessGroups, sandbox.Disabled}
)

// require skips the test where the machine cannot grade at the level.
func (l attackLevel) require(t *testing.T) {
	t.Helper()
	switch l.level {
	case sandbox.Namespaces:
		if err := namespacesRefused(); err != nil {
			t.Skipf("namespaces are refused here (%v): the grader would fall back to a lower level", err)
		}
	case sandbox.OtherUser:
		if os.Geteuid() != 0 {
			t.Skip("the unprivileged-user level is a root grader's: this test does not run as root")
		}
	}
}

// namespacesRefused tries what the grader needs of namespaces: a process
// in a new user, network, PID and mount namespace (this binary, which
// exits at once as proc.Probe's program).
var namespacesRefused = sync.OnceValue(func() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self)
	cmd.Env = []string{"SOCKLAB_PROBE=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	return cmd.Run()
})

// An attackLab is one attack test's corner of the machine: a directory of
// its own under /tmp (readable by every user, as a course checkout is,
// so that what an unprivileged program cannot do there is the grader's
// doing), holding a sealed copy of the fixture course, the submissions,
// the results, the grader's temporary files (TMPDIR: work directories
// aside, which go in /tmp) and its build cache (XDG_CACHE_HOME). Every
// program a grade runs, and every daemon one leaves, runs an executable
// under it, which is how survivors finds them.
type attackLab struct {
	t           *testing.T
	dir         string
	course      coursetest.Course
	assignments []scenario.Assignment // the fixture's 01-echo, read before anything could cut it
}

// attackAssignment is the fixture course's assignment every attack is an
// edit of, and is graded on.
const attackAssignment = hostileAssignment

// newAttackLab makes a lab, removed when the test ends, after anything
// left running from it is killed.
func newAttackLab(t *testing.T) *attackLab {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "socklab-attack-")
	require.NoError(t, err)
	lab := &attackLab{t: t, dir: dir}
	t.Cleanup(func() {
		if alive, _ := runningFrom([]string{dir + "/"}); len(alive) > 0 {
			for pid := range alive {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// What an attack made read-only, made writable again for
		// RemoveAll (root needs none of it).
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("cannot remove the lab: %v", err)
		}
	})
	require.NoError(t, os.Chmod(dir, 0o755))
	lab.course = coursetest.Course{Root: lab.path("course")}
	require.NoError(t, os.CopyFS(lab.course.Root, os.DirFS(coursetest.Fixture(t).Root)))
	require.NoError(t, seal.Write(lab.course.Root))
	lab.assignments, err = scenario.Discover(lab.course.Testdata(), attackAssignment)
	require.NoError(t, err)
	seed, err := seedCache()
	require.NoError(t, err, "the build cache every lab starts with")
	require.NoError(t, os.CopyFS(lab.cache(), os.DirFS(seed)))
	return lab
}

// seedDir holds seedCache's cache, removed when the tests end.
var seedDir string

// seedCache returns a build cache holding the fixture course's reference
// and skeleton of 01-echo, built once for all the labs, each of which
// starts with a copy: programs built once, not in every lab.
var seedCache = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("/tmp", "socklab-attack-seed-")
	if err != nil {
		return "", err
	}
	seedDir = dir
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	gocache, err := goEnv()
	if err != nil {
		return "", err
	}
	fixture, err := filepath.Abs(filepath.Join("testdata", "course"))
	if err != nil {
		return "", err
	}
	class := filepath.Join(dir, "class")
	for name, from := range map[string]string{"reference": "solutions", "skeleton": "assignments"} {
		if err := os.CopyFS(filepath.Join(class, name, attackAssignment), os.DirFS(filepath.Join(fixture, from, attackAssignment))); err != nil {
			return "", err
		}
		os.RemoveAll(filepath.Join(class, name, attackAssignment, mutant.Dir))
	}
	cmd := exec.Command(self, "batch", "-testdata", filepath.Join(fixture, "testdata"), "-assignment", attackAssignment,
		"-out", filepath.Join(dir, "out"), class)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + dir,
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "SOCKLAB_ISOLATION=" + sandbox.Disabled, testMainEnv + "=1"}, gocache...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return filepath.Join(dir, "cache"), nil
})

// path is name in the lab.
func (lab *attackLab) path(name ...string) string {
	return filepath.Join(append([]string{lab.dir}, name...)...)
}

// cache is the grader's XDG_CACHE_HOME: its build cache is
// cache/socklab/builds.
func (lab *attackLab) cache() string { return lab.path("cache") }

// builds is the grader's build cache.
func (lab *attackLab) builds() string { return filepath.Join(lab.cache(), "socklab", "builds") }

// The submissions: directories of the lab shaped like assignments/, each
// with the fixture course's 01-echo programs. Programs with the same
// sources share a build cache entry, within a lab (the cache is the lab's
// own), and across runs of the tests in Go's own cache.

// reference writes the fixture course's reference of 01-echo at
// lab/subs/name and returns it.
func (lab *attackLab) reference(name string) string {
	return lab.submission(name, filepath.Join(coursetest.Fixture(lab.t).Solutions(), attackAssignment))
}

// skeleton writes the fixture course's skeleton of 01-echo at
// lab/subs/name and returns it.
func (lab *attackLab) skeleton(name string) string {
	return lab.submission(name, filepath.Join(coursetest.Fixture(lab.t).Assignments(), attackAssignment))
}

func (lab *attackLab) submission(name, from string) string {
	src := lab.path("subs", name)
	require.NoError(lab.t, os.CopyFS(filepath.Join(src, attackAssignment), os.DirFS(from)))
	require.NoError(lab.t, os.RemoveAll(filepath.Join(src, attackAssignment, mutant.Dir)))
	return src
}

// attackDir holds the attacks: testdata/hostile-attacks/<attack>.txtar,
// each the fixture course's reference of 01-echo with the edits of an
// attack (applied as a mutant's are: see hostileCopy), and procfs.go, the
// attacker's toolkit, which every program an attack edits gets too.
const attackDir = "testdata/hostile-attacks"

// hostile writes the attack's submission at lab/subs/name and returns it,
// with the constants of its programs that consts names (the attacker's
// knowledge, or a variant of the attack) set to the Go expressions given.
func (lab *attackLab) hostile(name, attack string, consts map[string]string) string {
	t := lab.t
	t.Helper()
	fixture := filepath.Join(attackDir, attack+".txtar")
	data, err := os.ReadFile(fixture)
	require.NoError(t, err)
	m, err := mutant.ParseEdits(attack, data)
	require.NoError(t, err, fixture)
	src := lab.path("subs", name)
	solution := filepath.Join(coursetest.Fixture(t).Solutions(), attackAssignment)
	require.NoError(t, m.Apply(solution, src), fixture)
	toolkit, err := os.ReadFile(filepath.Join(attackDir, "procfs.go"))
	require.NoError(t, err)
	var progs []string
	for _, e := range m.Edits {
		if prog, _, _ := strings.Cut(e.File, "/"); !slices.Contains(progs, prog) {
			progs = append(progs, prog)
			require.NoError(t, os.WriteFile(filepath.Join(src, attackAssignment, prog, "procfs.go"), toolkit, 0o644))
		}
	}
	for name, value := range consts {
		set := 0
		def := regexp.MustCompile(`(?m)^([ \t]*(?:const[ \t]+)?` + regexp.QuoteMeta(name) + `[ \t]*=[ \t]*)(.*?)([ \t]*//.*)?$`)
		for _, prog := range progs {
			files, _ := filepath.Glob(filepath.Join(src, attackAssignment, prog, "*.go"))
			for _, f := range files {
				text, err := os.ReadFile(f)
				require.NoError(t, err)
				n := len(def.FindAll(text, -1))
				if n == 0 {
					continue
				}
				set += n
				text = def.ReplaceAllFunc(text, func(line []byte) []byte {
					m := def.FindSubmatch(line)
					return slices.Concat(m[1], []byte(value), m[3])
				})
				require.NoError(t, os.WriteFile(f, text, 0o644))
			}
		}
		require.Equal(t, 1, set, "%s: the constant %s is set once in its programs", fixture, name)
	}
	return src
}

// quoted is s as a Go string literal, for hostile's consts.
func quoted(s string) string { return strconv.Quote(s) }

// An attackRun is a run of the grader's command line.
type attackRun struct {
	level attackLevel
	args  []string // the command and its flags
	env   []string // more of its environment
	// ports, if set, is a directory the grader takes for the port
	// allocator's shared one (see testPortsEnv): the grader runs in a
	// mount and a network namespace of its own.
	ports string
}

// An attackOutcome is how a run of the grader went.
type attackOutcome struct {
	status         int
	stdout, stderr string
	duration       time.Duration
	maxRSS         int64 // the largest resident set of the grader and of each process it waited for, in bytes
}

// attackTimeLimit bounds a run of the grader, so that an attack that
// hangs it fails the test rather than hanging it.
const attackTimeLimit = 2 * time.Minute

// goEnv is what the grader needs of the go command's environment: Go's
// build cache and module path stay the user's (the lab's XDG_CACHE_HOME
// would move them), so that builds are as fast as the user's.
var goEnv = sync.OnceValues(func() ([]string, error) {
	out, err := exec.Command("go", "env", "GOCACHE", "GOPATH", "GOMODCACHE").Output()
	if err != nil {
		return nil, err
	}
	v := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(v) != 3 {
		return nil, fmt.Errorf("go env says %q", out)
	}
	return []string{"GOCACHE=" + v[0], "GOPATH=" + v[1], "GOMODCACHE=" + v[2]}, nil
})

// run runs the grader, this test binary, as r says, in the lab: with an
// environment of the lab's own (none of the test's SOCKLAB_, GITHUB_ or CI
// variables), and returns how it went.
func (lab *attackLab) run(r attackRun) attackOutcome {
	t := lab.t
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	gocache, err := goEnv()
	require.NoError(t, err)
	env := append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + lab.dir,
		"XDG_CACHE_HOME=" + lab.cache(),
		testMainEnv + "=1",
	}, gocache...)
	if r.level.env != "" {
		env = append(env, "SOCKLAB_ISOLATION="+r.level.env)
	}
	ctx, cancel := context.WithTimeout(context.Background(), attackTimeLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, r.args...)
	cmd.Dir = lab.dir
	cmd.Env = append(env, r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if r.ports != "" {
		cmd.Env = append(cmd.Env, testPortsEnv+"="+r.ports)
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNS | syscall.CLONE_NEWNET
		if os.Geteuid() != 0 {
			cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
			cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
			cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		}
	}
	start := time.Now()
	err = cmd.Run()
	out := attackOutcome{stdout: stdout.String(), stderr: stderr.String(), duration: time.Since(start)}
	if r.ports != "" && cmd.ProcessState == nil {
		t.Skipf("cannot give the grader a mount and a network namespace of its own, for a private lock directory: %v", err)
	}

	require.NoError(t, ctx.Err(), "the grader did not finish within %v\nstdout:\n%s\nstderr:\n%s",
		attackTimeLimit, &stdout, &stderr)
	require.NotNil(t, cmd.ProcessState, "%v", err)
	out.status = cmd.ProcessState.ExitCode()
	require.NotEqual(t, testSetupFailed, out.status, "the test's grader could not be set up:\n%s", &stderr)
	if out.status == testNothingToFool {
		t.Skip("a listener on 127.0.0.2 does not stop a wildcard listen on its port here: nothing to fool")
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		out.maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	t.Logf("grader %s at %s: status %d in %v, max RSS %d MiB", r.args[0], r.level.level, out.status,
		out.duration.Round(time.Millisecond), out.maxRSS>>20)
	return out
}

// privatePorts makes a lock directory for a grader run with ports (see
// attackRun.ports): a directory of the lab, made as a grader makes the
// shared one (its mode sticky and open to all), whose cursor, if
// cursor > 0, says that the next port is cursor+1. It makes sure that
// the shared directory exists, for the private one to be bound over, as
// any grader would make it.
func (lab *attackLab) privatePorts(name string, cursor int) string {
	t := lab.t
	t.Helper()
	if _, err := ports.New(ports.DefaultDir()); err != nil {
		t.Skipf("the shared lock directory is not usable here: %v", err)
	}
	dir := lab.path(name)
	require.NoError(t, os.Mkdir(dir, 0o777))
	require.NoError(t, os.Chmod(dir, 0o777|os.ModeSticky))
	if cursor > 0 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cursor"), fmt.Appendf(nil, "%-6d\n", cursor), 0o666))
	}
	return dir
}

// survivors returns the processes still running an executable under the
// lab (the graded programs, the daemons they left) wait after a grade
// (as soon as there are none), and kills them.
func (lab *attackLab) survivors(wait time.Duration) []string {
	lab.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		alive, err := runningFrom([]string{lab.dir + "/"})
		require.NoError(lab.t, err)
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var lines []string
			for pid, line := range alive {
				syscall.Kill(pid, syscall.SIGKILL)
				lines = append(lines, line)
			}
			return lines
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noSurvivors checks that nothing of the grade is left running.
func (lab *attackLab) noSurvivors() {
	lab.t.Helper()
	assert.Empty(lab.t, lab.survivors(hostileReapWait), "processes of the grade alive %v after it (killed since)", hostileReapWait)
}

// knownSurvivors kills what is left running of the grade a second after
// it, which the level does not stop (why), and says so in the test's log.
func (lab *attackLab) knownSurvivors(why string) {
	lab.t.Helper()
	if alive := lab.survivors(time.Second); len(alive) > 0 {
		lab.t.Logf("left running, as %s (killed since):\n%s", why, strings.Join(alive, "\n"))
	}
}

// What a grade must give, scenario by scenario: a rule says which status
// each scenario must end with (one that skips itself here, skipsHere, is
// skipped whatever the rule says).
type attackWant func(sc scenario.Scenario) runner.Status

// passing: every scenario passes.
func passing(scenario.Scenario) runner.Status { return runner.Passed }

// failingWhere: the scenarios rule picks fail, the others pass.
func failingWhere(rule func(scenario.Scenario) bool) attackWant {
	return func(sc scenario.Scenario) runner.Status {
		if rule(sc) {
			return runner.Failed
		}
		return runner.Passed
	}
}

// erroringWhere: the scenarios rule picks are the grader's errors, the
// others pass.
func erroringWhere(rule func(scenario.Scenario) bool) attackWant {
	return func(sc scenario.Scenario) runner.Status {
		if rule(sc) {
			return runner.Errored
		}
		return runner.Passed
	}
}

// named: the scenario is one of names.
func named(names ...string) func(scenario.Scenario) bool {
	return func(sc scenario.Scenario) bool { return slices.Contains(names, sc.Name) }
}

// everyScenario picks every scenario.
func everyScenario(scenario.Scenario) bool { return true }

// status is what want says of sc here.
func (want attackWant) status(sc scenario.Scenario) runner.Status {
	if skipsHere(sc) {
		return runner.Skipped
	}
	return want(sc)
}

// scenarios returns the lab's scenarios that the regular expression run
// picks (as grade -run does), all of them for "".
func (lab *attackLab) scenarios(run string) []scenario.Assignment {
	if run == "" {
		return lab.assignments
	}
	re := regexp.MustCompile(run)
	var kept []scenario.Assignment
	for _, a := range lab.assignments {
		a.Scenarios = slices.DeleteFunc(slices.Clone(a.Scenarios), func(sc scenario.Scenario) bool {
			return !re.MatchString(sc.Name) && !re.MatchString(a.Name+"/"+sc.Name)
		})
		kept = append(kept, a)
	}
	return kept
}

// score is the score want gives the scenarios.
func (want attackWant) score(as []scenario.Assignment) (earned, possible int) {
	return expectedScore(as, func(sc scenario.Scenario) bool { return want.status(sc) == runner.Passed })
}

// checkGradeFiles checks the results files a grade command wrote (for
// results, its -results), and its report, against want for the
// scenarios graded: each file parses, gives the score and says the
// level, and each scenario ended as want says; and, where that was
// asked for, the job summary is the grader's. It returns the score.
func (lab *attackLab) checkGradeFiles(out attackOutcome, results string, as []scenario.Assignment, want attackWant,
	level sandbox.Level) (earned, possible int) {
	t := lab.t
	t.Helper()
	earned, possible = want.score(as)
	lines := strings.Split(strings.TrimSpace(out.stdout), "\n")
	assert.Equal(t, fmt.Sprintf("Score: %d/%d", earned, possible), lines[len(lines)-1], "the report's last line")

	var gradescope report.Results
	if data, err := os.ReadFile(results); assert.NoError(t, err) {
		require.NoError(t, json.Unmarshal(data, &gradescope), "results.json:\n%s", data)
		assert.Equal(t, earned, gradescope.Score, "results.json's score")
		assert.Equal(t, possible, gradescope.MaxScore, "results.json's max_score")
		assert.Equal(t, string(level), gradescope.ExtraData.Isolation, "results.json's isolation")
	}
	lab.checkJUnit(filepath.Join(filepath.Dir(results), "junit.xml"), as, want, level)

	var classroom report.Classroom
	if data, err := os.ReadFile(filepath.Join(filepath.Dir(results), "classroom.json")); assert.NoError(t, err) {
		require.NoError(t, json.Unmarshal(data, &classroom), "classroom.json:\n%s", data)
		sum := 0
		for _, test := range classroom.Tests {
			sum += test.Score
		}
		assert.Equal(t, earned, sum, "classroom.json's points")
		assert.Equal(t, possible, classroom.MaxScore, "classroom.json's max_score")
	}
	return earned, possible
}

// checkJUnit checks junit.xml: each scenario ended as want says, and the
// level is said.
func (lab *attackLab) checkJUnit(path string, as []scenario.Assignment, want attackWant, level sandbox.Level) {
	t := lab.t
	t.Helper()
	data, err := os.ReadFile(path)
	if !assert.NoError(t, err) {
		return
	}
	var junit report.JUnit
	require.NoError(t, xml.Unmarshal(data, &junit), "junit.xml:\n%s", data)
	got := map[string]runner.Status{}
	isolation := ""
	for _, s := range junit.Suites {
		for _, p := range s.Properties {
			if p.Name == "isolation" {
				isolation = p.Value
			}
		}
		for _, c := range s.Cases {
			status := runner.Passed
			switch {
			case c.Failure != nil:
				status = runner.Failed
			case c.Error != nil:
				status = runner.Errored
			case c.Skipped != nil:
				status = runner.Skipped
			}
			got[c.ClassName+"/"+c.Name] = status
		}
	}
	assert.Equal(t, string(level), isolation, "junit.xml's isolation")
	expected := map[string]runner.Status{}
	for _, a := range as {
		for _, sc := range a.Scenarios {
			expected[a.Name+"/"+sc.Name] = want.status(sc)
		}
	}
	assert.Equal(t, expected, got, "each scenario's end, in junit.xml")
}

// A classMember is a submission of a batch, and what it must get.
type classMember struct {
	name string // the student: the directory's name, which orders the batch
	src  string
	want attackWant // nil: not graded
	// notGraded, for a submission that must not be graded, is what its
	// entry says.
	notGraded string
	// check, if set, checks more of the entry.
	check func(t *testing.T, e batch.Entry)
}

// class puts the submissions of members in a directory of the lab, a
// class for grader batch, and returns it.
func (lab *attackLab) class(name string, members []classMember) string {
	dir := lab.path(name)
	require.NoError(lab.t, os.MkdirAll(dir, 0o755))
	for _, m := range members {
		require.NoError(lab.t, os.Rename(m.src, filepath.Join(dir, m.name)))
	}
	return dir
}

// batch grades the class with grader batch, at level, with more flags,
// and checks every entry against its member: the exact score, scenario
// by scenario, of each graded one, with its own seal verdict and the
// level; the reason of each not graded; and that every feedback file and
// grades.csv agree. It returns the batch as batch.json has it.
func (lab *attackLab) batch(level attackLevel, members []classMember, ports string, flags ...string) (*batch.Batch, attackOutcome) {
	t := lab.t
	t.Helper()
	class := lab.class("class", members)
	out := lab.path("batch-out")
	args := append([]string{"batch", "-testdata", lab.course.Testdata(), "-assignment", attackAssignment, "-out", out}, flags...)
	outcome := lab.run(attackRun{level: level, args: append(args, class), ports: ports})
	b, err := batch.Read(out)
	require.NoError(t, err, "batch.json\nstdout:\n%s\nstderr:\n%s", outcome.stdout, outcome.stderr)
	require.Len(t, b.Entries, len(members))

	rows := lab.gradesCSV(filepath.Join(out, batch.CSVFile))
	broken := 0
	for i, m := range members {
		e := b.Entries[i]
		require.Equal(t, m.name, e.Student)
		if m.want == nil {
			broken++
			assert.Contains(t, e.Err, m.notGraded, "%s is not graded, and says why", m.name)
			report, err := os.ReadFile(filepath.Join(out, batch.FeedbackPath(m.name), batch.ReportFile))
			if assert.NoError(t, err) {
				assert.Contains(t, string(report), "Not graded: ", "%s's feedback says it was not graded", m.name)
			}
			assert.NoFileExists(t, filepath.Join(out, batch.FeedbackPath(m.name), batch.ResultsFile))
			continue
		}
		if !assert.NotNil(t, e.Grade, "%s is graded: %s", m.name, e.Err) {
			continue
		}
		assert.Empty(t, e.Err, "%s is graded whole", m.name)
		g := e.Grade
		assert.Equal(t, string(level.level), g.Isolation, "%s's isolation", m.name)
		got, expected := map[string]string{}, map[string]string{}
		for _, r := range g.Results {
			got[r.Scenario.Name] = fmt.Sprintf("%s (%s)", r.Status, r.Reason)
			expected[r.Scenario.Name] = fmt.Sprintf("%s (%s)", m.want.status(r.Scenario), r.Reason)
		}
		for _, a := range b.Assignments {
			for _, sc := range a.Scenarios {
				if _, ok := expected[sc.Name]; !ok {
					expected[sc.Name] = string(m.want.status(sc)) + " (not graded)"
				}
			}
		}
		assert.Equal(t, expected, got, "%s: each scenario's end", m.name)
		earned, possible := m.want.score(b.Assignments)
		gotEarned, gotPossible := g.Score()
		assert.Equal(t, fmt.Sprintf("%d/%d", earned, possible), fmt.Sprintf("%d/%d", gotEarned, gotPossible), "%s's score", m.name)

		var res report.Results
		data, err := os.ReadFile(filepath.Join(out, batch.FeedbackPath(m.name), batch.ResultsFile))
		if assert.NoError(t, err) && assert.NoError(t, json.Unmarshal(data, &res), "%s's results.json:\n%s", m.name, data) {
			assert.Equal(t, earned, res.Score, "%s's results.json", m.name)
			assert.Equal(t, possible, res.MaxScore, "%s's results.json", m.name)
			assert.Equal(t, string(level.level), res.ExtraData.Isolation, "%s's results.json", m.name)
			assert.Equal(t, g.Seal.Sealed, res.ExtraData.Sealed, "%s's results.json", m.name)
			assert.Equal(t, g.Seal.During, res.ExtraData.During, "%s's results.json", m.name)
		}
		report, err := os.ReadFile(filepath.Join(out, batch.FeedbackPath(m.name), batch.ReportFile))
		if assert.NoError(t, err) {
			lines := strings.Split(strings.TrimSpace(string(report)), "\n")
			assert.Equal(t, fmt.Sprintf("Score: %d/%d", earned, possible), lines[len(lines)-1], "%s's report.txt", m.name)
		}
		assert.Equal(t, []string{strconv.Itoa(earned), strconv.Itoa(possible)}, rows[m.name], "%s's row of grades.csv", m.name)
		if m.check != nil {
			m.check(t, e)
		}
		t.Logf("%s: %d/%d in %v (builds %v)", m.name, gotEarned, gotPossible, g.Duration.Round(time.Millisecond),
			g.BuildTime.Round(time.Millisecond))
	}
	wantStatus := exitPassed
	if broken > 0 {
		wantStatus = exitBroken
	}
	assert.Equal(t, wantStatus, outcome.status, "batch's exit status\nstdout:\n%s\nstderr:\n%s", outcome.stdout, outcome.stderr)
	return b, outcome
}

// gradesCSV returns the score and max of each student's row.
func (lab *attackLab) gradesCSV(path string) map[string][]string {
	data, err := os.ReadFile(path)
	require.NoError(lab.t, err)
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(lab.t, err, "grades.csv")
	rows := map[string][]string{}
	for _, r := range records[1:] {
		rows[r[0]] = r[2:4]
	}
	return rows
}

// forgedIn returns the files under dir, and the files named, that say
// mark, or are named with it.
func forgedIn(mark string, dir string, files ...string) []string {
	var forged []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
		case strings.Contains(d.Name(), mark):
			forged = append(forged, p)
		case !d.IsDir():
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte(mark)) {
			forged = append(forged, f)
		}
	}
	return forged
}

// snapshot reads the files under dir (or the file dir) and returns a
// check that they still have those contents, no more and no fewer.
func snapshot(t *testing.T, dir string) func() {
	t.Helper()
	read := func() map[string]string {
		files := map[string]string{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(p)
				files[p] = string(data)
			}
			return nil
		})
		return files
	}
	before := read()
	return func() {
		t.Helper()
		after := read()
		var changed []string
		for p, data := range after {
			if before[p] != data {
				changed = append(changed, p)
			}
		}
		for p := range before {
			if _, ok := after[p]; !ok {
				changed = append(changed, p)
			}
		}
		assert.Empty(t, changed, "files changed under %s", dir)
	}
}
