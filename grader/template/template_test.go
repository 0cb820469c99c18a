//go:build unix

package template

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/seal"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// needGit skips the test where git is not installed.
func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("no git here: %v", err)
	}
}

// gitIn runs git in dir, with an identity, and returns its output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=socklab", "-c", "user.email=socklab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Env = gitEnv()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// gitEnv is this process's environment without what would point git at
// another repository (a hook's).
func gitEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains([]string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"}, name)
	})
}

// commitAll makes dir a git repository holding everything in it but what
// its .gitignore ignores.
func commitAll(t *testing.T, dir string) {
	t.Helper()
	gitIn(t, dir, "init", "-q")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "the course")
}

// filesUnder lists the files under dir, relative, with slashes, leaving
// out .git.
func filesUnder(t *testing.T, dir string) []string {
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

// copyCourse copies the course at root, the files a template would take
// from it (git's tracked and untracked files, as they are in the work
// tree, or every file without git) but solutions/ too, to a new directory,
// and returns it. It is neither sealed nor a git repository.
func copyCourse(t *testing.T, root string) string {
	t.Helper()
	list, err := listFiles(root, "git")
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), "course")
	for _, p := range slices.Concat(list.files, list.untracked) {
		// A file deleted from the work tree but not from git's index, or a
		// submodule, is not copied.
		err := copyFile(filepath.Join(root, filepath.FromSlash(p)), filepath.Join(dst, filepath.FromSlash(p)))
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errNotFile) {
			require.NoError(t, err)
		}
	}
	return dst
}

// sealedCourse copies the live course (copyCourse), seals the copy as it
// is, and commits it to a git repository there if git is installed: a
// course ready to make a template of, whatever state the live course's
// seal is in.
func sealedCourse(t *testing.T) (live coursetest.Course, src string) {
	t.Helper()
	live = coursetest.Live(t)
	src = copyCourse(t, live.Root)
	require.NoError(t, seal.Write(src))
	if _, err := exec.LookPath("git"); err == nil {
		commitAll(t, src)
	}
	return live, src
}

// The small course's README, and what students get of it.
const (
	smallREADME = "# course\n\nThe students' part.\n\n" +
		"## For instructors and TAs\n\nSee grader/README.md, and run `make seal` after a change.\n"
	smallStudentREADME = "# course\n\nThe students' part.\n"
)

// smallCourse writes a small course that is no git repository, with what
// a template leaves out and what a walk skips, and seals it.
func smallCourse(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "course")
	for p, data := range map[string]string{
		"go.mod":                                    "module socklab\n",
		"Makefile":                                  "grade:\n",
		"README.md":                                 smallREADME,
		"testdata/01-x/a-server-one.txtar":          "# points: 100\n# The server.\n\nstart server\n",
		"grader/main.go":                            "package main\n",
		"grader/README.md":                          "# The instructor's guide\n",
		"assignments/01-x/server/main.go":           "package main\n",
		"solutions/01-x/server/main.go":             "package main\n",
		"solutions/01-x/mutants/m1/server/main.go":  "package main\n",
		".git/HEAD":                                 "ref: refs/heads/main\n",
		"assignments/01-x/.git/HEAD":                "ref: refs/heads/main\n",
		"results/results.json":                      "{}\n",
		".bin/grader":                               "binary\n",
		".grader-ref/Makefile":                      "grade:\n",
		"batch-results/grades.csv":                  "student\n",
		".github/workflows/classroom.yml":           "name: Autograding Tests\n",
		"assignments/01-x/results/kept-not-top.txt": "kept\n",
	} {
		writeFile(t, filepath.Join(src, p), []byte(data))
	}
	require.NoError(t, os.Chmod(filepath.Join(src, "Makefile"), 0o755))
	require.NoError(t, os.Symlink("Makefile", filepath.Join(src, "LINK")))
	require.NoError(t, seal.Write(src))
	return src
}

// smallGitCourse is smallCourse, committed to a git repository but for
// what its .gitignore ignores.
func smallGitCourse(t *testing.T) string {
	t.Helper()
	src := smallCourse(t)
	require.NoError(t, os.RemoveAll(filepath.Join(src, ".git")))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "assignments", "01-x", ".git")))
	writeFile(t, filepath.Join(src, ".gitignore"), []byte("/results/\n/.bin/\n/.grader-ref/\n/batch-results/\n"))
	commitAll(t, src)
	return src
}

// TestWrite makes the template of a course in git: every tracked file but
// solutions/ and the instructor's guide, the README without the
// instructors' section, resealed, one commit.
func TestWrite(t *testing.T) {
	needGit(t)
	t.Parallel()
	src := smallGitCourse(t)
	writeFile(t, filepath.Join(src, "notes.txt"), []byte("not tracked\n"))
	dest := filepath.Join(t.TempDir(), "template")

	var out bytes.Buffer
	require.NoError(t, Write(Options{Root: src, Dest: dest}, &out))
	stdout := out.String()
	for _, want := range []string{
		"wrote " + dest + ": 11 files (the files git tracks, as they are in the work tree)\n",
		"left out: solutions/ (2 files: the reference solutions and their mutants)\n",
		"left out: grader/README.md (the instructor's guide)\n",
		"README.md: the section \"## For instructors and TAs\" taken out: the rest is the students'\n",
		"left out, not tracked by git: notes.txt\n",
		"the seal: the course's holds; testdata/SEAL rewritten for the template's files: sealed: true\n",
		"git: made " + dest + " a git repository (branch main) and committed everything as its first commit",
	} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, "warning")

	want := []string{
		".github/workflows/classroom.yml", ".gitignore", "LINK", "Makefile", "README.md",
		"assignments/01-x/results/kept-not-top.txt", "assignments/01-x/server/main.go",
		"go.mod", "grader/main.go", "testdata/01-x/a-server-one.txtar", "testdata/SEAL",
	}
	assert.Equal(t, want, filesUnder(t, dest))

	readme, err := os.ReadFile(filepath.Join(dest, "README.md"))
	require.NoError(t, err)
	assert.Equal(t, smallStudentREADME, string(readme))

	// The template's seal holds, and is not the course's: it leaves out
	// the instructor's guide.
	assert.True(t, seal.Check(dest).Sealed)
	courseSeal, err := os.ReadFile(filepath.Join(src, seal.File))
	require.NoError(t, err)
	templateSeal, err := os.ReadFile(filepath.Join(dest, seal.File))
	require.NoError(t, err)
	assert.Contains(t, string(courseSeal), "  grader/README.md\n")
	assert.NotContains(t, string(templateSeal), "grader/README.md")
	assert.Contains(t, string(templateSeal), "  grader/main.go\n")

	// One commit, holding everything.
	assert.Equal(t, "socklab: the student template", strings.TrimSpace(gitIn(t, dest, "log", "--format=%s")))
	assert.Empty(t, strings.TrimSpace(gitIn(t, dest, "status", "--porcelain", "--ignored")))
	tracked := strings.Split(strings.TrimSpace(gitIn(t, dest, "ls-files")), "\n")
	slices.Sort(tracked)
	assert.Equal(t, want, tracked)
}

// TestWriteWithoutGit: with no git, every file is copied but what git
// would ignore, solutions/ and the instructor's guide, and there is no
// commit.
func TestWriteWithoutGit(t *testing.T) {
	t.Parallel()
	src := smallCourse(t)
	dest := filepath.Join(t.TempDir(), "template")
	var out bytes.Buffer
	require.NoError(t, Write(Options{Root: src, Dest: dest, Git: "socklab-no-such-git"}, &out))
	stdout := out.String()
	assert.Equal(t, []string{
		".github/workflows/classroom.yml", "LINK", "Makefile", "README.md",
		"assignments/01-x/results/kept-not-top.txt", "assignments/01-x/server/main.go",
		"go.mod", "grader/main.go", "testdata/01-x/a-server-one.txtar", "testdata/SEAL",
	}, filesUnder(t, dest))
	assert.NoDirExists(t, filepath.Join(dest, ".git"))
	assert.Contains(t, stdout, "every file but .git, results/, .bin/, .grader-ref/ and batch-results/: git is not installed")
	assert.Contains(t, stdout, "left out: solutions/ (2 files")
	assert.Contains(t, stdout, "left out: grader/README.md (the instructor's guide)")
	assert.Contains(t, stdout, "git: not found, so "+dest+" is not a git repository")

	info, err := os.Stat(filepath.Join(dest, "Makefile"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm(), "modes kept")
	link, err := os.Readlink(filepath.Join(dest, "LINK"))
	require.NoError(t, err)
	assert.Equal(t, "Makefile", link, "symbolic links kept")
	assert.True(t, seal.Check(dest).Sealed)
}

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	src := smallCourse(t)
	write := func(root, dest string) (string, error) {
		var out bytes.Buffer
		err := Write(Options{Root: root, Dest: dest, Git: "socklab-no-such-git"}, &out)
		return out.String(), err
	}

	t.Run("no destination", func(t *testing.T) {
		_, err := write(src, "")
		assert.ErrorContains(t, err, "no directory to write the template to")
	})
	t.Run("a non-empty directory", func(t *testing.T) {
		dest := t.TempDir()
		writeFile(t, filepath.Join(dest, "mine.txt"), []byte("mine\n"))
		_, err := write(src, dest)
		assert.ErrorContains(t, err, "exists and is not empty")
		assert.Equal(t, []string{"mine.txt"}, filesUnder(t, dest))
	})
	t.Run("an empty directory will do", func(t *testing.T) {
		dest := t.TempDir()
		_, err := write(src, dest)
		assert.NoError(t, err)
		assert.FileExists(t, filepath.Join(dest, "testdata", "SEAL"))
	})
	t.Run("inside the course", func(t *testing.T) {
		for _, dest := range []string{src, filepath.Join(src, "template"), filepath.Join(src, "assignments", "t")} {
			_, err := write(src, dest)
			assert.ErrorContains(t, err, "is inside the repository it would copy", dest)
		}
		assert.NoDirExists(t, filepath.Join(src, "template"))
	})
	t.Run("not the course", func(t *testing.T) {
		_, err := write(t.TempDir(), filepath.Join(t.TempDir(), "x"))
		assert.ErrorContains(t, err, "is not the course repository")
	})
	t.Run("the course is not sealed", func(t *testing.T) {
		unsealed := smallCourse(t)
		writeFile(t, filepath.Join(unsealed, "testdata", "01-x", "a-server-one.txtar"), []byte("# points: 100\n# Edited.\n\nstart server\n"))
		dest := filepath.Join(t.TempDir(), "template")
		_, err := write(unsealed, dest)
		assert.ErrorContains(t, err, "the course is not sealed: sealed: false (changed: testdata/01-x/a-server-one.txtar)")
		assert.ErrorContains(t, err, "run `make seal`")
		assert.NoDirExists(t, dest, "nothing written")

		empty := t.TempDir()
		_, err = write(unsealed, empty)
		assert.Error(t, err)
		assert.DirExists(t, empty, "a directory that was there stays")
		assert.Empty(t, filesUnder(t, empty), "and is empty")
	})
}

// TestWriteRefusesUntrackedSealedFiles: a sealed file that git does not
// track would be left out of the template, which would then not be the
// course: it is refused, and so is one git does not track, unsealed.
func TestWriteRefusesUntrackedSealedFiles(t *testing.T) {
	needGit(t)
	t.Parallel()
	src := smallGitCourse(t)
	writeFile(t, filepath.Join(src, "grader", "extra.go"), []byte("package main\n"))
	dest := filepath.Join(t.TempDir(), "template")

	err := Write(Options{Root: src, Dest: dest}, io.Discard)
	assert.ErrorContains(t, err, "the course is not sealed: sealed: false (changed: grader/extra.go)")
	assert.ErrorContains(t, err, "not tracked by git: grader/extra.go: git add and commit them, or delete them")
	assert.NoDirExists(t, dest, "nothing written")

	require.NoError(t, seal.Write(src))
	err = Write(Options{Root: src, Dest: dest}, io.Discard)
	assert.ErrorContains(t, err, "sealed, but not tracked by git, so a template would leave them out: grader/extra.go")
	assert.NoDirExists(t, dest, "nothing written")

	gitIn(t, src, "add", "grader/extra.go")
	assert.NoError(t, Write(Options{Root: src, Dest: dest}, io.Discard), "tracked, even uncommitted, it is the course's")
	assert.FileExists(t, filepath.Join(dest, "grader", "extra.go"))
}

func TestStudentREADME(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		found          bool
	}{
		{"at the end", smallREADME, smallStudentREADME, true},
		{"none", "# course\n\n## Your loop\n\nGrade.\n", "# course\n\n## Your loop\n\nGrade.\n", false},
		{"in the middle", "# c\n\n## For instructors and TAs\n\nmake seal\n\n## Scores\n\nPoints.\n", "# c\n\n## Scores\n\nPoints.\n", true},
		{"its subsections go too", "# c\n\n## For instructors and TAs\n\n### Seal\n\nmake seal\n", "# c\n", true},
		{"a heading in a code block is not one", "# c\n\n## For instructors and TAs\n\n```\n## not a heading\n```\nmake seal\n", "# c\n", true},
		{"only that", "## For instructors and TAs\n\nmake seal\n", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, found := StudentREADME([]byte(c.in))
			assert.Equal(t, c.found, found)
			assert.Equal(t, c.want, string(got))
		})
	}
}

func TestLeaks(t *testing.T) {
	dir := t.TempDir()
	solutions := filepath.Join(dir, "course", "solutions")
	writeFile(t, filepath.Join(solutions, "01-x", "server", "main.go"), []byte("package main\n\n"+
		"func main() {\n"+
		"\tif err != nil {\n"+ // short: everybody's
		"\t\tln, err := net.Listen(\"tcp\", \":\"+port) // the answer\n"+
		"}\n"))
	writeFile(t, filepath.Join(solutions, "01-x", "mutants", "m.txtar"), []byte("-- server/main.go: new --\n\tthis long line is only a mutant's, not the reference\n"))
	tmpl := filepath.Join(dir, "template")
	writeFile(t, filepath.Join(tmpl, "assignments", "01-x", "server", "main.go"), []byte("package main\n\n"+
		"// TODO: if err != nil {\n"+
		"// this long line is only a mutant's, not the reference\n"+
		"\n   ln, err := net.Listen(\"tcp\", \":\"+port) // the answer\n"+ // indented otherwise
		"if x { ln, err := net.Listen(\"tcp\", \":\"+port) // the answer } // an idiom in a longer line\n"))
	writeFile(t, filepath.Join(tmpl, ".git", "objects", "x"), []byte("ln, err := net.Listen(\"tcp\", \":\"+port) // the answer\n"))

	leaks, err := Leaks(tmpl, solutions)
	require.NoError(t, err)
	assert.Equal(t, []Leak{{
		File: "assignments/01-x/server/main.go", Line: 6,
		Text:   "ln, err := net.Listen(\"tcp\", \":\"+port) // the answer",
		Source: "solutions/01-x/server/main.go:5",
	}}, leaks)
	assert.Equal(t, `assignments/01-x/server/main.go:6: ln, err := net.Listen("tcp", ":"+port) // the answer (solutions/01-x/server/main.go:5)`, leaks[0].String())

	leaks, err = Leaks(tmpl, filepath.Join(dir, "no-solutions"))
	assert.NoError(t, err)
	assert.Empty(t, leaks, "no solutions, nothing to leak")
}

// TestWriteWarnsOfLeaks: a template that holds reference code is written,
// with a warning naming each line.
func TestWriteWarnsOfLeaks(t *testing.T) {
	t.Parallel()
	src := smallCourse(t)
	line := `fmt.Printf("Here is the whole answer: %s\n", msg)`
	writeFile(t, filepath.Join(src, "solutions", "01-x", "server", "main.go"), []byte("package main\n\n"+line+"\n"))
	writeFile(t, filepath.Join(src, "assignments", "01-x", "server", "main.go"), []byte("package main\n\n// TODO: "+line+"\n"))
	dest := filepath.Join(t.TempDir(), "template")
	var out bytes.Buffer
	require.NoError(t, Write(Options{Root: src, Dest: dest, Git: "socklab-no-such-git"}, &out))
	assert.Contains(t, out.String(), "warning: the template holds 1 line of the reference solutions, which its students will read:\n"+
		"  assignments/01-x/server/main.go:3: "+line+" (solutions/01-x/server/main.go:3)\n")
}

// TestTemplateHoldsNoReferenceCode makes the template of the live course
// and looks in every file of it for every line of the reference solutions
// longer than MinLeak characters: there must be none. It also checks the
// README is the students': the instructors' section and their guide are
// left out.
func TestTemplateHoldsNoReferenceCode(t *testing.T) {
	t.Parallel()
	live, src := sealedCourse(t)
	dest := filepath.Join(t.TempDir(), "template")
	var out bytes.Buffer
	require.NoError(t, Write(Options{Root: src, Dest: dest}, &out), out.String())

	lines, err := referenceLines(live.Solutions())
	require.NoError(t, err)
	require.NotEmpty(t, lines, "the reference solutions have lines to look for")
	leaks, err := Leaks(dest, live.Solutions())
	require.NoError(t, err)
	for _, l := range leaks {
		t.Errorf("the template holds reference code: %s", l)
	}

	assert.NoDirExists(t, filepath.Join(dest, "solutions"))
	assert.NoFileExists(t, filepath.Join(dest, "grader", "README.md"), "the instructor's guide is left out")
	course, err := os.ReadFile(filepath.Join(live.Root, README))
	require.NoError(t, err)
	require.Contains(t, string(course), "\n"+InstructorSection+"\n", "the course's README has a section for instructors")
	readme, err := os.ReadFile(filepath.Join(dest, README))
	require.NoError(t, err)
	for _, not := range []string{InstructorSection, "grader/README.md", "make seal"} {
		assert.NotContains(t, string(readme), not, "the template's README is the students'")
	}
	assert.True(t, seal.Check(dest).Sealed)
}
