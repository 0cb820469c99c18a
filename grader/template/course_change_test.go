//go:build unix

package template

// The course-change test: an instructor changes the course the way
// courses change, and the grader's tests and the student template still
// pass. It catches a test that hard-codes the live course (its names,
// counts or points) instead of reading it or the fixture course.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/scenario"
)

// TestCourseChange copies the live course (its files as git sees them:
// tracked and untracked, as they are in the work tree), changes one of its
// assignments in the copy as an instructor would, and checks that what an
// instructor then runs passes:
//
//   - in the assignment's scenarios: the first is removed, the second
//     renamed, the third re-weighted (it takes the removed one's points),
//     and a copy of another is added as a new scenario (the two share its
//     points); the mutants and the versions in C follow (the removed one
//     leaves their caught-by and may-fail, the renamed one is renamed
//     there, the new one joins the lines that name the one it copies; a
//     mutant left with nothing to catch it goes);
//   - a mutant is added: one of the mutants, under a new name;
//   - then `make seal`, a commit, `make template`, the template's `make
//     test`, and in the copy the grader's tests that the template skipped.
//
// What it picks to change it reads from the copy's files, so that it goes
// on working as the course changes. It catches a test that hard-codes the
// live course (its names, counts or points) where it should read it, or
// read the fixture course.
//
// The cost, and why it runs what it runs. Every one of the grader's tests
// that a course change can change runs once on the changed course: the
// template's `make test` runs all those that do not need the solutions,
// and the copy then runs those the template skipped (read from
// gotestsum's events: the ones that need the solutions, make check's
// proof of the live course among them, which in the copy checks the
// changed assignment alone). The slow tests of the fixture course alone
// (coursetest.FixtureOnly: the attacks, the hostile programs, the
// platforms' scripts) skip in both: a change of the live course cannot
// change what they find, and the make test that started this one runs
// them. Measured on 2 vCPUs with warm caches, it takes about 40 s: make
// seal 1-2 s and make template 1 s (each builds the grader in a new
// directory), the template's make test about 21 s (most of it vet and the
// link of each package's tests), the copy's tests about 13 s. Before the
// fixture-only tests skipped and the copy checked one assignment, it took
// 2m20s in CI, and `make test` as a whole over 3 minutes. The options
// rejected: the copy's whole `go test ./grader/...` beside the template's
// `make test` runs the fixture's tests twice; and the template's `make
// test` alone would leave out every test that needs the solutions.
func TestCourseChange(t *testing.T) {
	if os.Getenv(coursetest.InCourseChange) != "" {
		t.Skip("already in a copy of the course that the course-change test changed")
	}
	live := coursetest.Live(t) // skips in a student's copy: no solutions/
	for _, tool := range []string{"git", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s here, which the course-change test runs: %v", tool, err)
		}
	}
	t.Parallel()

	start := time.Now()
	src := copyCourse(t, live.Root)
	change := changeCourse(t, src)
	t.Logf("changed %s in a copy of the course:\n%s", change.assignment, change)

	env := courseChangeEnv()
	if !runStep(t, src, env, "make", "seal") {
		t.FailNow()
	}
	commitAll(t, src)
	dest := filepath.Join(t.TempDir(), "template")
	if !runStep(t, src, env, "make", "template", "DEST="+dest) {
		t.FailNow()
	}

	// What the template holds of the change.
	testdata := filepath.Join(dest, "testdata", change.assignment)
	assert.NoFileExists(t, filepath.Join(testdata, change.removed+".txtar"))
	assert.NoFileExists(t, filepath.Join(testdata, change.renamed+".txtar"))
	assert.FileExists(t, filepath.Join(testdata, change.renamedTo+".txtar"))
	assert.FileExists(t, filepath.Join(testdata, change.added+".txtar"))
	assert.NoDirExists(t, filepath.Join(dest, "solutions"))

	// The template's make test runs every test that does not need the
	// solutions, on the changed course; the copy then runs the ones it
	// skipped (those that need the solutions, among them make check's proof
	// of the live course): each of the grader's tests runs once. The
	// template's make test names them in gotestsum's events.
	events := filepath.Join(t.TempDir(), "events.json")
	runStep(t, dest, append(env, "GOTESTSUM_JSONFILE="+events), "make", "test")
	pattern, packages, ok := skippedTests(t, events)
	env = append(env, coursetest.CheckAssignment+"="+change.assignment)
	switch {
	case !ok:
		t.Logf("the template's make test left no events (%s): the copy runs all of the grader's tests", events)
		runStep(t, src, env, "go", "test", "-count=1", "./grader/...")
	case pattern == "":
		t.Log("the template's make test skipped no test: the copy has none to run")
	default:
		runStep(t, src, env, "go", append([]string{"test", "-count=1", "-run", pattern}, packages...)...)
	}
	t.Logf("the course-change test took %v", time.Since(start).Round(time.Second))
}

// skippedTests reads the events of a go test run and returns a -run
// pattern matching the top-level tests that skipped, or that had a subtest
// skip, and their packages; ok is false when there are no events. A test
// that skipped as coursetest.FixtureOnly is left out: the make test that
// started the course-change test runs it.
func skippedTests(t *testing.T, events string) (pattern string, packages []string, ok bool) {
	t.Helper()
	data, err := os.ReadFile(events)
	if err != nil || len(data) == 0 {
		return "", nil, false
	}
	type test struct{ pkg, name string }
	var skipped []test
	fixtureOnly := map[test]bool{} // skipped as coursetest.FixtureOnly: not to run again
	for line := range strings.SplitSeq(string(data), "\n") {
		var e struct{ Action, Package, Test, Output string }
		if json.Unmarshal([]byte(line), &e) != nil || e.Test == "" {
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		switch {
		case e.Action == "output" && strings.Contains(e.Output, coursetest.FixtureOnlyNote):
			fixtureOnly[test{e.Package, top}] = true
		case e.Action == "skip":
			skipped = append(skipped, test{e.Package, top})
		}
	}
	var names []string
	for _, s := range skipped {
		if fixtureOnly[s] || slices.Contains(names, regexp.QuoteMeta(s.name)) {
			continue
		}
		names = append(names, regexp.QuoteMeta(s.name))
		if !slices.Contains(packages, s.pkg) {
			packages = append(packages, s.pkg)
		}
	}
	if len(names) == 0 {
		return "", nil, true
	}
	slices.Sort(names)
	slices.Sort(packages)
	t.Logf("tests the template skipped, to run in the copy: %s", strings.Join(names, " "))
	return "^(" + strings.Join(names, "|") + ")$", packages, true
}

// runStep runs a command in dir, bounded in time, and fails the test when
// it fails, with its output. It reports whether the command passed.
func runStep(t *testing.T, dir string, env []string, name string, args ...string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, 10*time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	what := fmt.Sprintf("%s %s (in %s)", name, strings.Join(args, " "), filepath.Base(dir))
	if err != nil {
		t.Errorf("%s after the course changed: %v, after %v\n%s", what, err, time.Since(start).Round(100*time.Millisecond), out)
		return false
	}
	t.Logf("%s: passed in %v", what, time.Since(start).Round(100*time.Millisecond))
	return true
}

// courseChangeEnv is the environment of the commands run in the copy: this
// process's, without what would change what make or the grader do (make's
// own variables, the Makefile's, GitHub Actions'), and marked so that the
// copy's course-change test skips.
func courseChangeEnv() []string {
	env := slices.DeleteFunc(gitEnv(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "MAKE") || slices.Contains([]string{
			"MFLAGS", "SRC", "BIN", "ASSIGNMENT", "RUN", "RESULTS", "GRADER_REF", "DEST", "N", "A", "DIR", "GO",
			"AUTOGRADER_ROOT", coursetest.InCourseChange, coursetest.CheckAssignment,
		}, name)
	})
	return append(env, coursetest.InCourseChange+"=1")
}

// A courseChangeSummary says what changeCourse changed.
type courseChangeSummary struct {
	assignment                       string
	removed, renamed, renamedTo      string
	reweighted, copied, added        string
	removedPoints                    int
	mutant, mutantCopy               string
	droppedMutants, editedExpectFile []string
}

func (c courseChangeSummary) String() string {
	return fmt.Sprintf("  removed %s (%d points, to %s)\n  renamed %s to %s\n  added %s, a copy of %s\n"+
		"  added the mutant %s, a copy of %s\n  removed the mutants %v, left with nothing to catch them\n"+
		"  edited the caught-by and may-fail lines of %v",
		c.removed, c.removedPoints, c.reweighted, c.renamed, c.renamedTo, c.added, c.copied,
		c.mutantCopy, c.mutant, c.droppedMutants, c.editedExpectFile)
}

var pointsLine = regexp.MustCompile(`(?m)^#\s*points:\s*(\d+)\s*$`)

// changeCourse changes the first assignment of the course at root that
// has mutants, as TestCourseChange says.
func changeCourse(t *testing.T, root string) courseChangeSummary {
	t.Helper()
	var c courseChangeSummary
	mutantFiles := func() []string {
		files, err := filepath.Glob(filepath.Join(root, "solutions", c.assignment, "mutants", "*.txtar"))
		require.NoError(t, err)
		return files
	}
	entries, err := os.ReadDir(filepath.Join(root, "solutions"))
	require.NoError(t, err)
	for _, e := range entries {
		if c.assignment = e.Name(); e.IsDir() && len(mutantFiles()) > 0 {
			break
		}
		c.assignment = ""
	}
	require.NotEmpty(t, c.assignment, "an assignment with mutants to change")
	dir := filepath.Join(root, "testdata", c.assignment)

	// The scenarios, in name order, with their points.
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	require.NoError(t, err)
	var names []string
	points := map[string]int{}
	for _, p := range paths {
		sc, err := scenario.Load(p)
		require.NoError(t, err)
		names = append(names, sc.Name)
		points[sc.Name] = sc.Points
	}
	require.GreaterOrEqual(t, len(names), 4, "scenarios to remove, rename, re-weight and copy in %s", dir)
	c.removed, c.renamed, c.reweighted = names[0], names[1], names[2]
	c.removedPoints = points[c.removed]
	for _, n := range names[3:] {
		if points[n] >= 2 {
			c.copied = n
			break
		}
	}
	require.NotEmpty(t, c.copied, "a scenario worth 2 points or more to share with a copy, in %s", dir)
	c.renamedTo, c.added = c.renamed+"-renamed", c.copied+"-again"

	file := func(name string) string { return filepath.Join(dir, name+".txtar") }
	read := func(p string) string {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		return string(data)
	}
	write := func(p, data string) { require.NoError(t, os.WriteFile(p, []byte(data), 0o644)) }
	setPoints := func(text string, n int) string {
		require.Regexp(t, pointsLine, text)
		done := false
		return pointsLine.ReplaceAllStringFunc(text, func(l string) string {
			if done {
				return l
			}
			done = true
			return "# points: " + strconv.Itoa(n)
		})
	}

	// The scenarios.
	require.NoError(t, os.Remove(file(c.removed)))
	require.NoError(t, os.Rename(file(c.renamed), file(c.renamedTo)))
	write(file(c.reweighted), setPoints(read(file(c.reweighted)), points[c.reweighted]+c.removedPoints))
	orig := read(file(c.copied))
	q := points[c.copied]
	write(file(c.copied), setPoints(orig, q-q/2))
	sc, err := scenario.Load(file(c.copied))
	require.NoError(t, err)
	header, steps, ok := strings.Cut(setPoints(orig, q/2), "\n\n")
	require.True(t, ok, "%s: a header, a blank line, then the steps", file(c.copied))
	require.NotEmpty(t, sc.Description)
	header = strings.Replace(header, sc.Description, "Again: "+sc.Description, 1)
	write(file(c.added), header+"\n\n# The same story as "+c.copied+", which a course change copied.\n"+steps)

	// The mutants and the versions in C follow.
	var remaining []string
	for _, n := range names {
		switch n {
		case c.removed:
		case c.renamed:
			remaining = append(remaining, c.renamedTo)
		default:
			remaining = append(remaining, n)
		}
	}
	remaining = append(remaining, c.added)
	families := map[string]bool{}
	for _, n := range remaining {
		families[scenario.Family(n, names...)] = true
	}
	entry := func(e string) []string {
		switch {
		case e == c.removed:
			return nil
		case e == c.renamed:
			return []string{c.renamedTo}
		case e == c.copied:
			return []string{e, c.added}
		case e != "none" && !slices.Contains(names, e) && !families[e]:
			return nil // a family that was the removed scenario alone
		}
		return []string{e}
	}
	cFiles, err := filepath.Glob(filepath.Join(root, "solutions", c.assignment, "c", "*"))
	require.NoError(t, err)
	for _, p := range slices.Concat(mutantFiles(), cFiles) {
		text := read(p)
		edited, caught := editExpect(text, entry)
		isMutant := strings.HasSuffix(p, ".txtar")
		switch {
		case isMutant && !caught:
			require.NoError(t, os.Remove(p))
			c.droppedMutants = append(c.droppedMutants, filepath.Base(p))
		case edited != text:
			write(p, edited)
			c.editedExpectFile = append(c.editedExpectFile, filepath.Base(p))
		}
	}

	// A new mutant: the first one left, under a new name.
	files := mutantFiles()
	require.NotEmpty(t, files, "a mutant left to copy")
	c.mutant = strings.TrimSuffix(filepath.Base(files[0]), ".txtar")
	c.mutantCopy = c.mutant + "-again"
	write(filepath.Join(filepath.Dir(files[0]), c.mutantCopy+".txtar"), read(files[0]))
	return c
}

// expectLine is a caught-by or may-fail line, after comment markers.
var expectLine = regexp.MustCompile(`^([\s#/*]*(?:caught-by|may-fail):)(.*?)(\s*\*/)?\s*$`)

// editExpect rewrites the entries of the caught-by and may-fail lines of a
// mutant or a version in C: each entry becomes what entry returns. A line
// left with no entries goes. caught is whether a caught-by line is left.
func editExpect(text string, entry func(string) []string) (edited string, caught bool) {
	lines := strings.SplitAfter(text, "\n")
	var out []string
	for _, line := range lines {
		body := strings.TrimSuffix(line, "\n")
		m := expectLine.FindStringSubmatch(body)
		if m == nil {
			out = append(out, line)
			continue
		}
		var entries []string
		for e := range strings.SplitSeq(m[2], ",") {
			if e = strings.TrimSpace(e); e != "" {
				entries = append(entries, entry(e)...)
			}
		}
		if len(entries) == 0 {
			continue
		}
		caught = caught || strings.HasSuffix(m[1], "caught-by:")
		out = append(out, m[1]+" "+strings.Join(entries, ", ")+m[3]+line[len(body):])
	}
	return strings.Join(out, ""), caught
}

func TestEditExpect(t *testing.T) {
	entry := func(e string) []string {
		switch e {
		case "gone":
			return nil
		case "old":
			return []string{"new"}
		case "copied":
			return []string{"copied", "copy"}
		}
		return []string{e}
	}
	for _, c := range []struct{ in, want string }{
		{"# caught-by: old, kept\n# Desc.\n", "# caught-by: new, kept\n# Desc.\n"},
		{"# caught-by: copied\n# may-fail: gone\n", "# caught-by: copied, copy\n"},
		{"   caught-by: a, gone, old\n   caught-by: gone */\n", "   caught-by: a, new\n"},
		{"/* caught-by: copied */\n", "/* caught-by: copied, copy */\n"},
		{"# caught-by: none\n", "# caught-by: none\n"},
		{"# The bug: caught-by: old in prose is not a line.\n", "# The bug: caught-by: old in prose is not a line.\n"},
	} {
		got, _ := editExpect(c.in, entry)
		assert.Equal(t, c.want, got, c.in)
	}
	_, caught := editExpect("# caught-by: gone\n# Desc.\n", entry)
	assert.False(t, caught, "a mutant left with nothing to catch it")
}
