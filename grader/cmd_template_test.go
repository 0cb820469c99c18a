//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/report"
	"socklab/grader/seal"
)

// templateRun runs grader template and returns its status and outputs.
func templateRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run(append([]string{"template"}, args...), &stdout, &stderr, noEnv)
	return status, stdout.String(), stderr.String()
}

// templateGitIn runs git in dir, with an identity, and returns its output.
func templateGitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := runIn(t, dir, cleanEnv(), "git", append([]string{"-c", "user.name=socklab", "-c", "user.email=socklab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	require.NoError(t, err, "git %s:\n%s", strings.Join(args, " "), out)
	return out
}

// templateSealedCourse copies this repository's work tree to a new directory,
// seals it as it is, and commits it all to a new git repository there,
// with a mutant among the solutions (a student template has none of
// either: then the solutions are just that mutant).
func templateSealedCourse(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "course")
	copyTree(t, repoRoot(t), src)
	writeFile(t, filepath.Join(src, "solutions", "01-stream", "mutants", "fixture", "server", "main.go"), []byte("package main\n"))
	require.NoError(t, seal.Write(src))
	templateGitIn(t, src, "init", "-q")
	templateGitIn(t, src, "add", "-A")
	templateGitIn(t, src, "commit", "-q", "-m", "the course")
	return src
}

// templateFilesUnder lists the files under dir, relative, with slashes, leaving out
// .git.
func templateFilesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}))
	slices.Sort(files)
	return files
}

// TestTemplate makes the template of a sealed copy of the course: every
// tracked file but solutions/, sealed, one commit; its skeletons graded
// against its own scenarios score 0 with sealed: true.
func TestTemplate(t *testing.T) {
	needTools(t, "git")
	t.Parallel()
	src := templateSealedCourse(t)
	writeFile(t, filepath.Join(src, "notes.txt"), []byte("not tracked\n"))
	dest := filepath.Join(t.TempDir(), "template")

	status, stdout, stderr := templateRun(t, "-root", src, "-dest", dest)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	for _, want := range []string{
		"wrote " + dest + ": ",
		"(the files git tracks, as they are in the work tree)",
		"left out: solutions/ (",
		"left out, not tracked by git: notes.txt\n",
		"the seal: sealed: true",
		"git: made " + dest + " a git repository (branch main) and committed everything as its first commit",
	} {
		assert.Contains(t, stdout, want)
	}

	// The files: git's, but solutions/.
	var want []string
	for _, p := range strings.Split(strings.TrimSpace(templateGitIn(t, src, "ls-files")), "\n") {
		if !strings.HasPrefix(p, "solutions/") {
			want = append(want, p)
		}
	}
	slices.Sort(want)
	assert.Equal(t, want, templateFilesUnder(t, dest))
	assert.NoDirExists(t, filepath.Join(dest, "solutions"))
	assert.NoFileExists(t, filepath.Join(dest, "notes.txt"))
	assert.FileExists(t, filepath.Join(dest, seal.File))
	for _, dir := range []string{"assignments", "testdata", "grader"} {
		assert.DirExists(t, filepath.Join(dest, dir))
	}

	// One commit, holding everything.
	assert.Equal(t, "socklab: the student template", strings.TrimSpace(templateGitIn(t, dest, "log", "--format=%s")))
	assert.Empty(t, strings.TrimSpace(templateGitIn(t, dest, "status", "--porcelain", "--ignored")))
	tracked := strings.Split(strings.TrimSpace(templateGitIn(t, dest, "ls-files")), "\n")
	slices.Sort(tracked)
	assert.Equal(t, want, tracked)

	// The seal holds, and a grade there says so.
	st := seal.Check(dest)
	assert.True(t, st.Sealed, st.String())
	results := filepath.Join(t.TempDir(), "results.json")
	var gout, gerr bytes.Buffer
	status = run([]string{"grade", "-src", filepath.Join(dest, "assignments"), "-testdata", filepath.Join(dest, "testdata"),
		"-results", results}, &gout, &gerr, noEnv)
	assert.Equal(t, exitFailed, status, "the skeletons fail:\n%s\n%s", &gout, &gerr)
	lines := strings.Split(strings.TrimSpace(gout.String()), "\n")
	assert.Regexp(t, `^Score: 0/[1-9][0-9]*$`, lines[len(lines)-1])
	assert.NotContains(t, gout.String(), "sealed: false")
	data, err := os.ReadFile(results)
	require.NoError(t, err)
	var res report.Results
	require.NoError(t, json.Unmarshal(data, &res))
	assert.True(t, res.ExtraData.Sealed, "results.json says sealed: true")
	assert.Empty(t, res.ExtraData.Changed)
	assert.Positive(t, res.MaxScore)
	assert.Zero(t, res.Score)
}

// TestTemplateRefusesUntrackedSealedFiles: a sealed file that git does not
// track is left out, which would unseal the template: it is refused, and
// nothing is left behind.
func TestTemplateRefusesUntrackedSealedFiles(t *testing.T) {
	needTools(t, "git")
	t.Parallel()
	src := templateSealedCourse(t)
	writeFile(t, filepath.Join(src, "grader", "extra.go"), []byte("package main\n"))
	require.NoError(t, seal.Write(src))
	templateGitIn(t, src, "commit", "-q", "-m", "resealed", "--", seal.File)

	dest := filepath.Join(t.TempDir(), "template")
	status, _, stderr := templateRun(t, "-root", src, "-dest", dest)
	assert.Equal(t, exitFailed, status)
	assert.Contains(t, stderr, "the template would not be sealed")
	assert.Contains(t, stderr, "not tracked by git, so left out: grader/extra.go: git add and commit them")
	assert.NoDirExists(t, dest, "nothing left behind")
}

// templateSmallCourse writes a small course that is no git repository, with what
// a template leaves out and what a walk skips, and seals it.
func templateSmallCourse(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "course")
	for p, data := range map[string]string{
		"go.mod":                                    "module socklab\n",
		"Makefile":                                  "grade:\n",
		"README.md":                                 "# course\n",
		"testdata/01-x/a-server-one.txtar":          "# points: 100\n# The server.\n\nstart server\n",
		"grader/main.go":                            "package main\n",
		"assignments/01-x/server/main.go":           "package main\n",
		"solutions/01-x/server/main.go":             "package main\n",
		"solutions/01-x/mutants/m1/server/main.go":  "package main\n",
		".git/HEAD":                                 "ref: refs/heads/main\n",
		"assignments/01-x/.git/HEAD":                "ref: refs/heads/main\n",
		"results/results.json":                      "{}\n",
		".bin/grader":                               "binary\n",
		".grader-ref/Makefile":                      "grade:\n",
		".github/workflows/classroom.yml":           "name: Autograding Tests\n",
		"assignments/01-x/results/kept-not-top.txt": "kept\n",
	} {
		writeFile(t, filepath.Join(src, p), []byte(data))
	}
	require.NoError(t, os.Chmod(filepath.Join(src, "Makefile"), 0o755))
	require.NoError(t, os.Symlink("README.md", filepath.Join(src, "LINK.md")))
	require.NoError(t, seal.Write(src))
	return src
}

// TestTemplateWithoutGit: with no git, every file is copied but what git
// would ignore and solutions/, and there is no commit.
func TestTemplateWithoutGit(t *testing.T) {
	saved := templateGit
	templateGit = "socklab-no-such-git"
	t.Cleanup(func() { templateGit = saved })

	src := templateSmallCourse(t)
	dest := filepath.Join(t.TempDir(), "template")
	status, stdout, stderr := templateRun(t, "-root", src, "-dest", dest)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, []string{
		".github/workflows/classroom.yml", "LINK.md", "Makefile", "README.md",
		"assignments/01-x/results/kept-not-top.txt", "assignments/01-x/server/main.go",
		"go.mod", "grader/main.go", "testdata/01-x/a-server-one.txtar", "testdata/SEAL",
	}, templateFilesUnder(t, dest))
	assert.NoDirExists(t, filepath.Join(dest, ".git"))
	assert.Contains(t, stdout, "every file but .git, results/, .bin/ and .grader-ref/: git is not installed")
	assert.Contains(t, stdout, "left out: solutions/ (2 files")
	assert.Contains(t, stdout, "git: not found, so "+dest+" is not a git repository")

	info, err := os.Stat(filepath.Join(dest, "Makefile"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm(), "modes kept")
	link, err := os.Readlink(filepath.Join(dest, "LINK.md"))
	require.NoError(t, err)
	assert.Equal(t, "README.md", link, "symbolic links kept")
	assert.True(t, seal.Check(dest).Sealed)
}

func TestTemplateRefuses(t *testing.T) {
	t.Parallel()
	src := templateSmallCourse(t)

	t.Run("no -dest", func(t *testing.T) {
		status, _, stderr := templateRun(t, "-root", src)
		assert.Equal(t, exitBroken, status)
		assert.Contains(t, stderr, "usage: grader template -dest DIR")
	})
	t.Run("a non-empty directory", func(t *testing.T) {
		dest := t.TempDir()
		writeFile(t, filepath.Join(dest, "mine.txt"), []byte("mine\n"))
		status, _, stderr := templateRun(t, "-root", src, "-dest", dest)
		assert.Equal(t, exitFailed, status)
		assert.Contains(t, stderr, "exists and is not empty")
		assert.Equal(t, []string{"mine.txt"}, templateFilesUnder(t, dest))
	})
	t.Run("an empty directory will do", func(t *testing.T) {
		dest := t.TempDir()
		status, _, stderr := templateRun(t, "-root", src, "-dest", dest)
		assert.Equal(t, exitPassed, status, stderr)
		assert.FileExists(t, filepath.Join(dest, "testdata", "SEAL"))
	})
	t.Run("inside the course", func(t *testing.T) {
		for _, dest := range []string{src, filepath.Join(src, "template"), filepath.Join(src, "assignments", "t")} {
			status, _, stderr := templateRun(t, "-root", src, "-dest", dest)
			assert.Equal(t, exitFailed, status, dest)
			assert.Contains(t, stderr, "is inside the repository it would copy", dest)
		}
		assert.NoDirExists(t, filepath.Join(src, "template"))
	})
	t.Run("not the course", func(t *testing.T) {
		status, _, stderr := templateRun(t, "-root", t.TempDir(), "-dest", filepath.Join(t.TempDir(), "x"))
		assert.Equal(t, exitFailed, status)
		assert.Contains(t, stderr, "is not the course repository")
	})
	t.Run("unsealed", func(t *testing.T) {
		unsealed := templateSmallCourse(t)
		writeFile(t, filepath.Join(unsealed, "testdata", "01-x", "a-server-one.txtar"), []byte("# points: 100\n# Edited.\n\nstart server\n"))
		dest := filepath.Join(t.TempDir(), "template")
		status, _, stderr := templateRun(t, "-root", unsealed, "-dest", dest)
		assert.Equal(t, exitFailed, status)
		assert.Contains(t, stderr, "the template would not be sealed, and every student's grade would say so: sealed: false (changed: testdata/01-x/a-server-one.txtar)")
		assert.Contains(t, stderr, "run `make seal`")
		assert.NoDirExists(t, dest, "nothing left behind")

		empty := t.TempDir()
		status, _, _ = templateRun(t, "-root", unsealed, "-dest", empty)
		assert.Equal(t, exitFailed, status)
		assert.DirExists(t, empty, "a directory that was there stays")
		assert.Empty(t, templateFilesUnder(t, empty), "and is empty again")
	})
}
