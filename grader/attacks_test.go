//go:build linux

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/batch"
	"socklab/grader/coursetest"
	"socklab/grader/ports"
	"socklab/grader/runner"
	"socklab/grader/sandbox"
	"socklab/grader/scenario"
)

// The ten attacks of issue 12, each a hostile submission,
// testdata/hostile-attacks/<attack>.txtar: the fixture course's reference
// of 01-echo with the edits of the attack, applied as a mutant's are, and
// procfs.go, the attacker's toolkit (see attackLab.hostile); its header
// says what it does. Constants of its programs say what the attacker
// knows (where the course, the results, the cache, the lock directory
// are: the tests set them, so that an attack that cannot find its target
// is not mistaken for one that cannot reach it) and choose a variant.
// The tests run the real grader, this binary (see TestMain), at each of
// its levels of isolation: namespaces, where Linux allows them (here);
// another user, for a root grader without them (SOCKLAB_ISOLATION=
// "unprivileged user"); process groups (SOCKLAB_ISOLATION=off, as on
// macOS or Ubuntu 24.04), where only the grader's own defences hold.
//
//	attack                   fixture            namespaces              another user          process groups
//	1 scenarios rewritten    rewrite-scenarios  Class                   ClassOtherUser        ClassProcessGroups
//	2 results forged         forge-results      Class, ForgeResults     ForgeResults          ForgeResults (no daemon)
//	3 build cache poisoned   poison-cache       Class, PoisonOwnGrade   ClassOtherUser,       ClassProcessGroups (PoisonOwnGrade:
//	                                                                    PoisonOwnGrade        not stopped, skipped)
//	4 batch sabotage         sabotage-batch     Class                   -                     SabotageProcessGroups (no daemon)
//	5 a stuck lock           hold-lock          Class                   -                     StuckLock (the test holds it)
//	6 free-port check fooled squat-ports        Class                   -                     ClassProcessGroups, FreePort
//	7 symlink in lock dir    link-cursor        Class                   -                     SymlinkLockDir
//	8 grader killed, stopped kill-grader        Class (KILL, STOP)      ClassOtherUser (both) ClassProcessGroups (KILL)
//	9 relay exhausted        relay-flood        Class, RelayFlood       -                     ClassProcessGroups
//	10 builds unbounded      build-bomb         Class, BuildBomb        -                     -
//
// (TestAttack<name>, or TestAttacks<name>.) Under namespaces every
// attack is defeated, within a grade and across a batch, its workers side
// by side. What a lower level does not stop is said where a test leaves
// it out: at process groups a program runs as the grader's user, outside
// any namespace, so a setsid daemon outlives its grade (it can rewrite
// the results after the grader exits, hold the shared lock for the grades
// after it, squat ports), a program can kill or stop the grader (a grade
// then writes no results; a batch worker killed costs its submission
// alone, but one stopped holds the batch up to the worker's time limit,
// some four minutes, and one that kills the batch process itself loses
// the class), rewrite the course (the grade says so:
// changed_while_grading), append to the job summary before the grader
// does, rewrite a cached program together with its recorded hash, and
// run another program in its place, a classmate's cached build say,
// itself or by writing it over its own executable between its runs (see
// TestAttackPoisonOwnGrade, skipped there).
// As another user, a setsid daemon outlives its grade, though it can
// touch nothing of the grader's.
//
// Each test asserts what the issue asks: the hostile submission scores
// what its real behaviour earns, scenario by scenario; every other
// submission of the batch, before or after it, its exact score; the
// results files parse and are the grader's (the score, the level, the
// seal); nothing of the grade is left running (the process table, as the
// hostile tests check it); the grade ends in bounded time.

// attackMargin is time for a loaded machine, on top of the bounds the
// tests compute.
const attackMargin = 10 * time.Second

// buildAllowance is what a test allows for building a submission's
// programs (Go's own cache has the standard library; each program's own
// package is compiled and linked).
const buildAllowance = 5 * time.Second

// gradeBound bounds a grade of as: its builds, its scenarios run jobs at
// once (scheduleBound), the margin.
func gradeBound(as []scenario.Assignment, jobs int) time.Duration {
	var all []scenario.Scenario
	for _, a := range as {
		all = append(all, a.Scenarios...)
	}
	return buildAllowance + scheduleBound(all, jobs) + attackMargin
}

// cached checks that a submission's programs came from the build cache
// (or, with false, were built), those named, or all.
func cached(want bool, progs ...string) func(t *testing.T, e batch.Entry) {
	return func(t *testing.T, e batch.Entry) {
		for _, b := range e.Grade.Builds {
			if len(progs) == 0 || slices.Contains(progs, b.Program) {
				assert.Equal(t, want, b.Cached, "%s's %s came from the cache", e.Student, b.Program)
			}
		}
	}
}

// sealed checks an entry's own seal verdict: sealed, with nothing changed
// while it was graded.
func sealed(t *testing.T, e batch.Entry) {
	assert.True(t, e.Grade.Seal.Sealed, "%s: %s", e.Student, e.Grade.Seal)
	assert.Empty(t, e.Grade.Seal.During, "%s: files changed while it was graded", e.Student)
}

// bigBuild checks that the build bomb's client was refused, saying why.
func bigBuild(t *testing.T, e batch.Entry) {
	for _, b := range e.Grade.Builds {
		if b.Program == "client" {
			require.Error(t, b.Err, "the client is too big to be built")
			assert.Contains(t, b.Err.Error(), "a huge array?", "the build says why")
		}
	}
}

// decoyPorts makes, for an attack under namespaces, a lock directory in
// the lab shaped as the shared one (cursor included), for the attacks
// to aim at together with the grader's own private ones (the lab is its
// TMPDIR): proof enough that a sandboxed program cannot reach a lock
// directory, which, should the sandbox fail, harms no other grader on the
// machine. It returns the pattern the attacks aim at.
func (lab *attackLab) decoyPorts() string {
	lab.privatePorts("socklab-ports", 25000)
	return lab.path("socklab-ports*")
}

// victim makes a file of the grader's user that an attack wants
// overwritten.
func (lab *attackLab) victim() string {
	path := lab.path("victim")
	require.NoError(lab.t, os.WriteFile(path, []byte("the grader's user's own file\n"), 0o644))
	return path
}

// bigFiles returns the files under dir over the size a program may be.
func bigFiles(dir string) []string {
	var big []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if info, ierr := d.Info(); err == nil && ierr == nil && info.Size() > runner.MaxProgram {
			big = append(big, p)
		}
		return nil
	})
	return big
}

// TestAttacksClass grades a class holding every attack with grader batch
// under namespaces, workers side by side, between two copies of the
// reference and a skeleton. Every attack is defeated: each hostile
// submission scores what its programs really do, every other submission
// its exact score (the reference's copies all the scenarios, from the
// cache the first filled; the skeleton none); the course, the results, the
// lock directories, the cache and the victim file are untouched; nothing
// is left running; the batch exits 0.
func TestAttacksClass(t *testing.T) {
	coursetest.FixtureOnly(t)
	t.Parallel()
	atNamespaces.require(t)
	lab := newAttackLab(t)
	self, err := os.Executable()
	require.NoError(t, err)
	out := lab.path("batch-out")
	locks := lab.decoyPorts()
	victim := lab.victim()
	summary := lab.path("summary.md") // a job summary, for the forger to aim at
	require.NoError(t, os.WriteFile(summary, []byte("# the steps before\n"), 0o644))
	server, client := startsProg("server"), startsProg("client")
	members := []classMember{
		{name: "00-reference", src: lab.reference("00"), want: passing, check: sealed},
		{name: "01-rewrite-scenarios", src: lab.hostile("01", "rewrite-scenarios", map[string]string{
			"knownTestdata": quoted(lab.course.Testdata()), "knownGrader": quoted(self),
			"knownGraderEnv": quoted(testMainEnv + "=1")}), want: failingWhere(server), check: sealed},
		{name: "02-forge-results", src: lab.hostile("02", "forge-results", map[string]string{
			"knownResults": quoted(out), "knownSummary": quoted(summary)}),
			want: failingWhere(server)},
		{name: "03-poison-cache", src: lab.hostile("03", "poison-cache", map[string]string{
			"knownCache": quoted(lab.builds())}), want: failingWhere(everyScenario)},
		{name: "04-sabotage-batch", src: lab.hostile("04", "sabotage-batch", map[string]string{
			"knownPorts": quoted(locks)}), want: passing},
		{name: "05-hold-lock", src: lab.hostile("05", "hold-lock", map[string]string{
			"knownPorts": quoted(locks)}), want: passing},
		{name: "06-squat-ports", src: lab.hostile("06", "squat-ports", map[string]string{
			"knownPorts": quoted(locks)}), want: passing},
		{name: "07-link-cursor", src: lab.hostile("07", "link-cursor", map[string]string{
			"knownPorts": quoted(locks), "knownVictim": quoted(victim)}), want: passing},
		{name: "08-kill-grader", src: lab.hostile("08k", "kill-grader", map[string]string{
			"signal": quoted("KILL"), "targets": quoted("graders")}), want: passing},
		{name: "08-stop-grader", src: lab.hostile("08s", "kill-grader", map[string]string{
			"signal": quoted("STOP"), "targets": quoted("graders")}), want: passing},
		{name: "09-relay-flood", src: lab.hostile("09", "relay-flood", nil), want: failingWhere(client)},
		// The executable over the size a program may be (the 1 GiB
		// array, whose build is stopped by its file size limit, is
		// TestAttackBuildBomb's).
		{name: "10-build-bomb", src: lab.hostile("10", "build-bomb", map[string]string{"bigSize": "100 << 20"}),
			want: failingWhere(client), check: bigBuild},
		{name: "98-skeleton", src: lab.skeleton("98"), want: failingWhere(everyScenario), check: sealed},
		{name: "99-reference", src: lab.reference("99"), want: passing, check: func(t *testing.T, e batch.Entry) {
			sealed(t, e)
			cached(true)(t, e)
		}},
	}
	course := snapshot(t, lab.course.Root)
	decoy := snapshot(t, lab.path("socklab-ports"))
	victimFile := snapshot(t, victim)
	summaryFile := snapshot(t, summary)
	// Four in flight, not the default 32 (on 2 CPUs): the test shares the
	// machine with the others, and the fixture's scenarios have short
	// time limits.
	b, outcome := lab.batch(atNamespaces, members, "", "-j", "2", "-inflight", "4")
	lab.noSurvivors()
	course()
	decoy()
	victimFile()
	summaryFile()
	assert.Empty(t, forgedIn("FORGED-BY-forge-results", out), "forged results")
	assert.Empty(t, bigFiles(lab.builds()), "the cache keeps no program over %d MiB", runner.MaxProgram>>20)
	assert.True(t, b.Seal.Sealed, "the batch's seal: %s", b.Seal)

	// The first submission alone, then the others side by side, 4 at
	// a time, each at most its builds and its longest scenario.
	perSubmission := gradeBound(lab.assignments, batch.DefaultScenarioJobs())
	assert.LessOrEqual(t, outcome.duration, perSubmission*time.Duration(1+(len(members)-1+3)/4)+attackMargin, "the batch's time")
}

// TestAttacksClassProcessGroups grades a class with grader batch at the
// lowest level, process groups, with workers one at a time. The attacks
// that only namespaces defeat are left out (the forged results' daemon,
// the held lock's, the sabotage's, which TestAttackSabotageProcessGroups
// tries without a daemon), or their effects that are not stopped are only
// said (the survivors). What must hold: the course rewritten and resealed
// while the rewrite was graded changes no grade (its entry says what
// changed while it was graded; the entries after it say the course
// differs from its seal), the poisoned cache is caught (the reference
// after it is built again), the 127.0.0.2 squatter's ports are skipped,
// the worker killed costs its submission alone, which is named, the
// relay stays bounded. (The build bomb, whose bounds do not depend on the
// level, is in TestAttacksClass and TestAttackBuildBomb.)
func TestAttacksClassProcessGroups(t *testing.T) {
	coursetest.FixtureOnly(t)
	t.Parallel()
	lab := newAttackLab(t)
	self, err := os.Executable()
	require.NoError(t, err)
	locks := lab.privatePorts("ports", 0)
	server, client := startsProg("server"), startsProg("client")
	members := []classMember{
		{name: "00-reference", src: lab.reference("00"), want: passing, check: sealed},
		{name: "01-rewrite-scenarios", src: lab.hostile("01", "rewrite-scenarios", map[string]string{
			"knownTestdata": quoted(lab.course.Testdata()), "knownGrader": quoted(self),
			"knownGraderEnv": quoted(testMainEnv + "=1")}), want: failingWhere(server),
			check: func(t *testing.T, e batch.Entry) {
				assert.False(t, e.Grade.Seal.Sealed, "%s", e.Grade.Seal)
				assert.Contains(t, e.Grade.Seal.During, "testdata/01-echo/echo-server.txtar", "changed while grading")
			}},
		{name: "03-poison-cache", src: lab.hostile("03", "poison-cache", map[string]string{
			"knownCache": quoted(lab.builds())}), want: failingWhere(everyScenario)},
		// The reference's client, which 03 wrote over in the cache, built
		// again.
		{name: "06-squat-ports", src: lab.hostile("06", "squat-ports", nil), want: passing, check: cached(false, "client")},
		// The worker killed: its submission is not graded, and says
		// why. (Its programs in the other scenarios it ran at once are
		// orphans, left running: not stopped at this level.)
		{name: "08-kill-grader", src: lab.hostile("08", "kill-grader", map[string]string{
			"signal": quoted("KILL"), "targets": quoted("parent")}), notGraded: "its worker was killed by signal 9"},
		{name: "09-relay-flood", src: lab.hostile("09", "relay-flood", nil), want: failingWhere(client)},
		// The course's scenarios and SEAL rewritten on disk: graded from
		// what the batch read, and said to differ from the seal.
		{name: "98-skeleton", src: lab.skeleton("98"), want: failingWhere(everyScenario),
			check: func(t *testing.T, e batch.Entry) {
				assert.False(t, e.Grade.Seal.Sealed, "%s", e.Grade.Seal)
				assert.Contains(t, e.Grade.Seal.Changed, "testdata/01-echo/echo-server.txtar")
			}},
		// The reference's server, which 03 wrote over in the cache, built
		// again (its client, built again by 06, is cached).
		{name: "99-reference", src: lab.reference("99"), want: passing, check: cached(false, "server")},
	}
	_, outcome := lab.batch(atProcessGroups, members, locks)
	lab.knownSurvivors("the squatter's setsid daemon, and the programs the killed worker left, outlive it at this level")
	assert.Contains(t, outcome.stdout, "08-kill-grader", "the summary names the submission not graded")

	// The rewrite really ran: on disk, the scenarios are cut.
	data, err := os.ReadFile(filepath.Join(lab.course.Testdata(), attackAssignment, "echo-server.txtar"))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "start server", "the attack cut the scenario on disk")
	perSubmission := gradeBound(lab.assignments, batch.DefaultScenarioJobs())
	assert.LessOrEqual(t, outcome.duration, perSubmission*time.Duration(len(members))+attackMargin, "the batch's time")
}

// TestAttacksClassOtherUser grades a class with grader batch as a root
// grader without namespaces does: each program as an unprivileged user,
// workers one at a time. The course, the cache and the grader are out of
// the programs' reach. (A setsid daemon outlives its grade at this level,
// as TestAttackForgeResults says: none here.)
func TestAttacksClassOtherUser(t *testing.T) {
	coursetest.FixtureOnly(t)
	t.Parallel()
	atOtherUser.require(t)
	lab := newAttackLab(t)
	self, err := os.Executable()
	require.NoError(t, err)
	server := startsProg("server")
	members := []classMember{
		{name: "00-reference", src: lab.reference("00"), want: passing, check: sealed},
		{name: "01-rewrite-scenarios", src: lab.hostile("01", "rewrite-scenarios", map[string]string{
			"knownTestdata": quoted(lab.course.Testdata()), "knownGrader": quoted(self),
			"knownGraderEnv": quoted(testMainEnv + "=1")}), want: failingWhere(server), check: sealed},
		{name: "03-poison-cache", src: lab.hostile("03", "poison-cache", map[string]string{
			"knownCache": quoted(lab.builds())}), want: failingWhere(everyScenario)},
		{name: "08-kill-grader", src: lab.hostile("08k", "kill-grader", map[string]string{
			"signal": quoted("KILL"), "targets": quoted("graders")}), want: passing},
		{name: "08-stop-grader", src: lab.hostile("08s", "kill-grader", map[string]string{
			"signal": quoted("STOP"), "targets": quoted("graders")}), want: passing},
		{name: "99-reference", src: lab.reference("99"), want: passing, check: func(t *testing.T, e batch.Entry) {
			sealed(t, e)
			cached(true)(t, e)
		}},
	}
	course := snapshot(t, lab.course.Root)
	_, outcome := lab.batch(atOtherUser, members, "")
	lab.noSurvivors()
	course()
	perSubmission := gradeBound(lab.assignments, batch.DefaultScenarioJobs())
	assert.LessOrEqual(t, outcome.duration, perSubmission*time.Duration(len(members))+attackMargin, "the batch's time")
}

// TestAttackSabotageProcessGroups is attack 4 at process groups, without
// its daemon (a daemon outlives its grade at this level, and its lock
// would stall the grades after it: attack 5's ERROR, see
// TestAttackStuckLock). Workers run one at a time and, with -scenarios 1,
// the scenarios of each: the sabotage holds the (test's private) lock and
// kills what it sees of the grader's programs, which is only its own: it
// kills its partner in echo-pair, and fails that one scenario; the
// references before and after it keep full marks.
func TestAttackSabotageProcessGroups(t *testing.T) {
	t.Parallel()
	lab := newAttackLab(t)
	members := []classMember{
		{name: "1-reference", src: lab.reference("1"), want: passing},
		{name: "2-sabotage-batch", src: lab.hostile("2", "sabotage-batch", map[string]string{
			"daemon": "false"}), want: failingWhere(named("echo-pair"))},
		{name: "3-reference", src: lab.reference("3"), want: passing},
	}
	_, outcome := lab.batch(atProcessGroups, members, lab.privatePorts("ports", 0), "-scenarios", "1")
	lab.noSurvivors()
	perSubmission := gradeBound(lab.assignments, 1)
	assert.LessOrEqual(t, outcome.duration, perSubmission*time.Duration(len(members))+attackMargin, "the batch's time")
}

// TestAttackPoisonOwnGrade is attack 3 turned on the attacker's own
// grade: its server, started without a port in exit-server, takes
// another submission's server from the cache (the reference's, which
// serves) for its own executable, so that the scenario's second run of
// the server is that one, which passes where its own code exits 2. What
// it really earns: exit-server fails. Under namespaces and as another
// user it cannot write its executable. At process groups it can: the
// cache is verified when a grade looks its programs up, not each time a
// program starts, so the rest of the grade runs what the program put
// there. Checking at each start would not make the level safe: the
// program could as well run the stolen server itself.
func TestAttackPoisonOwnGrade(t *testing.T) {
	t.Parallel()
	for _, level := range []attackLevel{atNamespaces, atOtherUser, atProcessGroups} {
		t.Run(string(level.level), func(t *testing.T) {
			t.Parallel()
			if level.level == sandbox.ProcessGroups {
				t.Skip("not stopped at this level, as grader/README.md says: a program that runs as the grader's user " +
					"can run another in its place (here another submission's server, written over its own " +
					"executable, whose next start passes exit-server), as it could run that server itself")
			}
			level.require(t)
			lab := newAttackLab(t)
			results := lab.path("results", "results.json")
			run := "^exit-server$"
			src := lab.hostile("steal", "poison-cache", map[string]string{
				"knownCache": quoted(lab.builds()), "stealBinary": "true"})
			out := lab.run(attackRun{level: level, args: lab.gradeArgs(src, results, run)})
			lab.noSurvivors()
			assert.Equal(t, exitFailed, out.status, "stdout:\n%s\nstderr:\n%s", out.stdout, out.stderr)
			as := lab.scenarios(run)
			lab.checkGradeFiles(out, results, as, failingWhere(everyScenario), level.level)
			assert.Contains(t, out.stdout, "works exited with status 2", "the second run is the submission's own")
			assert.LessOrEqual(t, out.duration, gradeBound(as, runner.DefaultJobs()), "the grade's time")
		})
	}
}

// gradeArgs are the flags of a grade of the lab's course, run (a -run
// expression, "" for every scenario), results written to results.
func (lab *attackLab) gradeArgs(src, results, run string, more ...string) []string {
	args := []string{"grade", "-src", src, "-testdata", lab.course.Testdata(), "-assignment", attackAssignment,
		"-results", results}
	if run != "" {
		args = append(args, "-run", run)
	}
	return append(args, more...)
}

// TestAttackForgeResults is attack 2 on grade, with GITHUB_STEP_SUMMARY
// set, the attacker knowing where every file goes. Under namespaces, and
// as another user, nothing it forges lands: every file is the grader's,
// and stays so (under namespaces its daemon dies with its scenario; as
// another user it outlives the grade, for its ten seconds, but cannot
// write: the files are checked once it has been left to try for a
// while, and killed). At process groups,
// without the daemon (which would outlive the grade and rewrite the
// results after it: not stopped there), the grader's files are written
// afresh over the forged ones, and the one it cannot write, results.json
// (a directory now), it says it could not, exiting 2. (The forged line
// the program appended to the job summary before the grader's stays:
// not stopped at this level.)
func TestAttackForgeResults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		level  attackLevel
		daemon bool
	}{{atNamespaces, true}, {atOtherUser, true}, {atProcessGroups, false}}
	for _, c := range cases {
		t.Run(string(c.level.level), func(t *testing.T) {
			t.Parallel()
			c.level.require(t)
			lab := newAttackLab(t)
			results := lab.path("results", "results.json")
			summary := lab.path("summary.md")
			require.NoError(t, os.WriteFile(summary, []byte("# the steps before\n"), 0o644))
			src := lab.hostile("forge", "forge-results", map[string]string{
				"knownResults": quoted(results), "knownSummary": quoted(summary), "daemon": strconv.FormatBool(c.daemon)})
			want := failingWhere(startsProg("server"))
			out := lab.run(attackRun{level: c.level, args: lab.gradeArgs(src, results, ""),
				env: []string{"GITHUB_STEP_SUMMARY=" + summary}})
			if c.level.level == sandbox.ProcessGroups {
				lab.noSurvivors()
				assert.Equal(t, exitBroken, out.status, "stderr:\n%s", out.stderr)
				assert.Contains(t, out.stderr, "cannot write the results", "the grade says so")
				assert.DirExists(t, results, "results.json is the attack's directory: the grader did not write it")
				earned, possible := want.score(lab.assignments)
				lines := strings.Split(strings.TrimSpace(out.stdout), "\n")
				assert.Equal(t, fmt.Sprintf("Score: %d/%d", earned, possible), lines[len(lines)-1])
				lab.checkJUnit(lab.path("results", "junit.xml"), lab.assignments, want, c.level.level)
				assert.Empty(t, forgedIn("FORGED-BY-forge-results", "", lab.path("results", "junit.xml"),
					lab.path("results", "classroom.json")), "forged results")
				return
			}
			if c.level.level == sandbox.OtherUser {
				lab.knownSurvivors("a setsid daemon outlives its grade as another user")
			} else {
				lab.noSurvivors()
			}
			assert.Equal(t, exitFailed, out.status, "stderr:\n%s", out.stderr)
			earned, possible := lab.checkGradeFiles(out, results, lab.assignments, want, c.level.level)
			data, err := os.ReadFile(summary)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(data), "# the steps before\n"), "the job summary:\n%s", data)
			assert.Contains(t, string(data), fmt.Sprintf("## socklab: %d/%d points", earned, possible), "the job summary")
			assert.Empty(t, forgedIn("FORGED-BY-forge-results", lab.path("results"), summary), "forged results")
			assert.LessOrEqual(t, out.duration, gradeBound(lab.assignments, runner.DefaultJobs()), "the grade's time")
		})
	}
}

// TestAttackRelayFlood is attack 9 on grade: the hostile pair's 500
// connections of 1 MiB. The relay takes 32 sessions and records 8 MiB in
// all, so the grader stays small (its largest resident set, or its
// children's: the compiler's and linker's among them), and the client's
// own exchange, past the relay's sessions, fails, as does the exchange
// with the grader's listener, which takes the flood's first connection.
// The server, which drains the flood, passes its own scenarios. (The
// relay is the grader's own, the same at every level: under namespaces
// here, in a batch at process groups in TestAttacksClassProcessGroups.)
func TestAttackRelayFlood(t *testing.T) {
	t.Parallel()
	atNamespaces.require(t)
	lab := newAttackLab(t)
	results := lab.path("results", "results.json")
	src := lab.hostile("flood", "relay-flood", nil)
	out := lab.run(attackRun{level: atNamespaces, args: lab.gradeArgs(src, results, "")})
	lab.noSurvivors()
	assert.Equal(t, exitFailed, out.status, "stderr:\n%s", out.stderr)
	lab.checkGradeFiles(out, results, lab.assignments, failingWhere(startsProg("client")), sandbox.Namespaces)
	assert.Less(t, out.maxRSS, int64(256<<20), "the grader's memory")
	assert.LessOrEqual(t, out.duration, gradeBound(lab.assignments, runner.DefaultJobs()), "the grade's time")
}

// TestAttackBuildBomb is attack 10 on grade: the server's cgo preamble
// that includes /dev/zero is left out of a build without cgo (the server
// is the reference, and passes); the client's initialized array makes the
// build write a file past its limit (1 GiB), or an executable past the
// size a program may be (100 MiB): either is refused, quickly, with a
// message that says why, and nothing of it is cached.
func TestAttackBuildBomb(t *testing.T) {
	t.Parallel()
	atNamespaces.require(t)
	for _, size := range []string{"1 << 30", "100 << 20"} {
		t.Run(size, func(t *testing.T) {
			t.Parallel()
			lab := newAttackLab(t)
			results := lab.path("results", "results.json")
			src := lab.hostile("bomb", "build-bomb", map[string]string{"bigSize": size})
			out := lab.run(attackRun{level: atNamespaces, args: lab.gradeArgs(src, results, "")})
			lab.noSurvivors()
			assert.Equal(t, exitFailed, out.status, "stderr:\n%s", out.stderr)
			lab.checkGradeFiles(out, results, lab.assignments, failingWhere(startsProg("client")), sandbox.Namespaces)
			assert.Contains(t, out.stdout, "(a huge array?)", "the report says why the client was not built")
			assert.Empty(t, bigFiles(lab.builds()), "the cache keeps no program over %d MiB", runner.MaxProgram>>20)
			assert.Empty(t, bigFiles(lab.dir+"/"), "nothing over %d MiB is left", runner.MaxProgram>>20)
			assert.LessOrEqual(t, out.duration, gradeBound(lab.assignments, runner.DefaultJobs()), "the grade's time")
		})
	}
}

// TestAttackStuckLock is attack 5 at process groups: the test holds the
// lock of the grader's (private) lock directory, as any process could hold
// the shared one's. The reference's scenario waits ports.LockWait (made
// 1 s here), then is the grader's ERROR, never the student's failure, and
// the grade exits 2. (A hold-lock daemon does the same to the grades
// after its own at this level, where it outlives its grade. Under
// namespaces the grader's lock directory is its own and out of the
// programs' reach: TestAttacksClass's hold-lock, aimed at it and at a
// decoy of the shared one, changes nothing.)
func TestAttackStuckLock(t *testing.T) {
	t.Parallel()
	const wait = time.Second
	lab := newAttackLab(t)
	locks := lab.privatePorts("ports", 0)
	f, err := os.OpenFile(filepath.Join(locks, "cursor"), os.O_RDWR|os.O_CREATE, 0o666)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	results := lab.path("results", "results.json")
	run := "^echo-server$"
	out := lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(lab.reference("ref"), results, run),
		ports: locks, env: []string{testLockWaitEnv + "=" + wait.String()}})
	lab.noSurvivors()
	assert.Equal(t, exitBroken, out.status, "stderr:\n%s", out.stderr)
	lab.checkGradeFiles(out, results, lab.scenarios(run), erroringWhere(everyScenario), sandbox.ProcessGroups)
	assert.Contains(t, out.stdout, ports.ErrStuck.Error(), "the report says why")
	assert.LessOrEqual(t, out.duration, buildAllowance+wait+attackMargin, "the grade's time")
}

// TestAttackFreePort is attack 6 at process groups: another program of
// the grader's network listens on 127.0.0.2:P, where P is the port the
// grader's lock directory hands out next. The grader's free-port check
// binds the wildcard address, finds P taken, and hands out another: the
// reference server's wildcard listen works. (The network and the lock
// directory are the test's own, see testPortsEnv: the listener is the
// grader's process's, opened before it grades, see testSquatEnv. Under
// namespaces each grade's network is its own: TestAttacksClass's
// squatter reaches no other.)
func TestAttackFreePort(t *testing.T) {
	t.Parallel()
	const squatted = 25000
	lab := newAttackLab(t)
	results := lab.path("results", "results.json")
	run := "^echo-server$"
	locks := lab.privatePorts("ports", squatted-1)
	out := lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(lab.reference("ref"), results, run), ports: locks,
		env: []string{testSquatEnv + "=" + strconv.Itoa(squatted)}})
	lab.noSurvivors()
	assert.Equal(t, exitPassed, out.status, "stdout:\n%s\nstderr:\n%s", out.stdout, out.stderr)
	data, err := os.ReadFile(filepath.Join(locks, "cursor"))
	require.NoError(t, err)
	cursor, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	assert.Equal(t, squatted+1, cursor, "the grader tried %d, and handed out the next port", squatted)
	as := lab.scenarios(run)
	lab.checkGradeFiles(out, results, as, passing, sandbox.ProcessGroups)
	assert.LessOrEqual(t, out.duration, gradeBound(as, runner.DefaultJobs()), "the grade's time")
}

// TestAttackSymlinkLockDir is attack 7 at process groups, the grader's
// lock directory (private to the test) made hostile: owned by another
// user, with its cursor a link to a file of the grader's user (the grade
// refuses the directory); sticky and the grader's, with a link another
// user put there (the grader does not follow it: the scenario that needs
// a port is the grader's ERROR); and the link-cursor submission, which
// makes the same links, as root, during its own grade (which it passes:
// it had its port), so that the grade after it is the grader's ERROR.
// The victim file is never written.
func TestAttackSymlinkLockDir(t *testing.T) {
	t.Parallel()
	const nobody = 65534
	run := "^echo-server$"
	t.Run("owned by another user", func(t *testing.T) {
		t.Parallel()
		if os.Geteuid() != 0 {
			t.Skip("needs root, to give the directory to another user")
		}
		lab := newAttackLab(t)
		victim := lab.victim()
		before := snapshot(t, victim)
		locks := lab.privatePorts("ports", 0)
		require.NoError(t, os.Chmod(locks, 0o777))
		require.NoError(t, os.Chown(locks, nobody, nobody))
		require.NoError(t, os.Symlink(victim, filepath.Join(locks, "cursor")))
		results := lab.path("results", "results.json")
		out := lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(lab.reference("ref"), results, run), ports: locks})
		lab.noSurvivors()
		before()
		assert.Equal(t, exitBroken, out.status, "stderr:\n%s", out.stderr)
		assert.Contains(t, out.stdout, "belongs to another user", "the report says why")
	})
	t.Run("a link in the directory", func(t *testing.T) {
		t.Parallel()
		lab := newAttackLab(t)
		victim := lab.victim()
		before := snapshot(t, victim)
		locks := lab.privatePorts("ports", 0)
		cursor := filepath.Join(locks, "cursor")
		require.NoError(t, os.Symlink(victim, cursor))
		if os.Geteuid() == 0 {
			require.NoError(t, os.Lchown(cursor, nobody, nobody))
		}
		results := lab.path("results", "results.json")
		out := lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(lab.reference("ref"), results, run), ports: locks})
		lab.noSurvivors()
		before()
		assert.Equal(t, exitBroken, out.status, "stderr:\n%s", out.stderr)
		lab.checkGradeFiles(out, results, lab.scenarios(run), erroringWhere(everyScenario), sandbox.ProcessGroups)
	})
	t.Run("link-cursor", func(t *testing.T) {
		t.Parallel()
		lab := newAttackLab(t)
		victim := lab.victim()
		before := snapshot(t, victim)
		locks := lab.privatePorts("ports", 0)
		src := lab.hostile("link", "link-cursor", map[string]string{
			"knownPorts": quoted(ports.DefaultDir()), "knownVictim": quoted(victim)})
		results := lab.path("hostile", "results.json")
		out := lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(src, results, run), ports: locks})
		lab.noSurvivors()
		as := lab.scenarios(run)
		assert.Equal(t, exitPassed, out.status, "stderr:\n%s", out.stderr)
		lab.checkGradeFiles(out, results, as, passing, sandbox.ProcessGroups)
		info, err := os.Lstat(filepath.Join(locks, "cursor"))
		require.NoError(t, err)
		require.NotZero(t, info.Mode()&fs.ModeSymlink, "the attack linked the cursor")

		results = lab.path("after", "results.json")
		out = lab.run(attackRun{level: atProcessGroups, args: lab.gradeArgs(lab.reference("ref"), results, run), ports: locks})
		lab.noSurvivors()
		before()
		assert.Equal(t, exitBroken, out.status, "stderr:\n%s", out.stderr)
		lab.checkGradeFiles(out, results, as, erroringWhere(everyScenario), sandbox.ProcessGroups)
	})
}
