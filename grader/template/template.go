//go:build unix

// Package template writes a course's student repository (grader template,
// make template): the course without what is the instructors' alone, ready
// to be a GitHub Classroom template.
//
// The template holds every file git tracks in the course, as it is in the
// work tree, except:
//
//   - solutions/: the reference solutions, and with them the mutants
//     (solutions/<NN>/mutants) and the versions in C;
//   - grader/README.md: the instructor's guide;
//   - the section of README.md that starts with InstructorSection: the
//     top-level README is the students', but for the pointer to that guide.
//
// Since the seal (package seal) covers grader/, the template's seal is not
// the course's: Write checks that the course's seal holds (so that an
// instructor who forgot `make seal` is told), chooses the template's
// files, then writes the template's own testdata/SEAL for what it holds.
package template

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"socklab/grader/seal"
)

// Options say which course to make a template of, and where.
type Options struct {
	Root string // the course repository ("" is ".")
	Dest string // where to write the template: a new or empty directory outside Root
	Git  string // the git command ("" is "git"); a command not installed plays a machine without git
}

// leftOutDirs are the top-level directories a template leaves out: the
// reference solutions, and with them the mutants.
var leftOutDirs = []string{"solutions"}

// instructorFiles are the files a template leaves out because they are
// for instructors alone, with what each is.
var instructorFiles = map[string]string{
	"grader/README.md": "the instructor's guide",
}

// README is the students' README, the one file a template changes.
const README = "README.md"

// InstructorSection is the heading of README.md's section for instructors,
// which a template leaves out: from it to the next heading of its level or
// above, or to the end.
const InstructorSection = "## For instructors and TAs"

// skippedDirs are the top-level directories that are never part of the
// course when there is no git to ask: git's own, and what the course's
// .gitignore ignores.
var skippedDirs = []string{".git", "results", ".bin", ".grader-ref", "batch-results"}

// Write writes the template of the course at opts.Root to opts.Dest and
// tells out what it did. It refuses a course whose seal does not hold, or
// that has sealed files git does not track (a template would leave them
// out). When it fails after it started writing, it removes what it wrote.
func Write(opts Options, out io.Writer) (err error) {
	root, dest := opts.Root, opts.Dest
	if root == "" {
		root = "."
	}
	git := opts.Git
	if git == "" {
		git = "git"
	}
	if dest == "" {
		return errors.New("no directory to write the template to")
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("%s is not the course repository (no go.mod): run it at the repository's top, or give -root", root)
	}
	inside, err := isInside(dest, root)
	if err != nil {
		return err
	}
	if inside {
		return fmt.Errorf("%s is inside the repository it would copy: pick a directory outside it, e.g. ../socklab-template", dest)
	}

	list, err := listFiles(root, git)
	if err != nil {
		return err
	}
	if err := checkCourseSeal(root, list); err != nil {
		return err
	}

	created := false
	switch entries, err := os.ReadDir(dest); {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return err
		}
		created = true
	case err != nil:
		return fmt.Errorf("%s: %w", dest, err)
	case len(entries) > 0:
		return fmt.Errorf("%s exists and is not empty: give a new or empty directory", dest)
	}
	defer func() {
		if err == nil {
			return
		}
		if created {
			os.RemoveAll(dest)
			return
		}
		entries, _ := os.ReadDir(dest) // it was empty: everything in it is ours
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dest, e.Name()))
		}
	}()

	var copied, solutions, instructors, missing, notFiles []string
	readme := "" // what became of README.md
	for _, p := range list.files {
		switch {
		case slices.Contains(leftOutDirs, topDir(p)):
			solutions = append(solutions, p)
			continue
		case instructorFiles[p] != "":
			instructors = append(instructors, p)
			continue
		}
		src, dst := filepath.Join(root, filepath.FromSlash(p)), filepath.Join(dest, filepath.FromSlash(p))
		err := copyFile(src, dst)
		if err == nil && p == README {
			readme, err = stripREADME(dst)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		case errors.Is(err, errNotFile):
			notFiles = append(notFiles, p)
		case err != nil:
			return err
		default:
			copied = append(copied, p)
		}
	}
	if len(copied) == 0 {
		return fmt.Errorf("no files to copy from %s", root)
	}

	// The template's own seal: it lacks files the course's covers.
	if err := seal.Write(dest); err != nil {
		return fmt.Errorf("sealing the template: %w", err)
	}
	st := seal.Check(dest)
	if !st.Sealed {
		return fmt.Errorf("the template's seal does not hold after sealing it: %s", st)
	}
	leaks, err := Leaks(dest, filepath.Join(root, "solutions"))
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "wrote %s: %d files (%s)\n", dest, len(copied), list.how)
	fmt.Fprintf(out, "left out: solutions/ (%d files: the reference solutions and their mutants)\n", len(solutions))
	for _, p := range instructors {
		fmt.Fprintf(out, "left out: %s (%s)\n", p, instructorFiles[p])
	}
	if readme != "" {
		fmt.Fprintf(out, "%s: %s\n", README, readme)
	}
	printList(out, "left out, not tracked by git", slices.DeleteFunc(slices.Clone(list.untracked), func(p string) bool {
		return slices.Contains(leftOutDirs, topDir(p))
	}))
	printList(out, "left out, tracked but missing from the work tree", missing)
	printList(out, "left out, not files (submodules?)", notFiles)
	fmt.Fprintf(out, "the seal: the course's holds; %s rewritten for the template's files: %s\n", seal.File, st)
	if len(leaks) > 0 {
		lines := "lines"
		if len(leaks) == 1 {
			lines = "line"
		}
		fmt.Fprintf(out, "warning: the template holds %d %s of the reference solutions, which its students will read:\n", len(leaks), lines)
		const most = 10
		for i, l := range leaks {
			if i == most {
				fmt.Fprintf(out, "  and %d more\n", len(leaks)-most)
				break
			}
			fmt.Fprintf(out, "  %s\n", l)
		}
	}

	if _, err := exec.LookPath(git); err != nil {
		fmt.Fprintf(out, "git: not found, so %s is not a git repository: run git init, git add -A and git commit there\n", dest)
	} else if err := commit(git, dest, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "next: push %s to a new GitHub repository, mark it a template (Settings, General, Template repository),\n"+
		"and give it to GitHub Classroom as the assignment's starter code\n", dest)
	return nil
}

// checkCourseSeal refuses a course whose seal does not hold, and one with
// sealed files that the template would leave out for want of git tracking
// them.
func checkCourseSeal(root string, list fileList) error {
	st := seal.Check(root)
	if !st.Sealed {
		msg := fmt.Sprintf("the course is not sealed: %s", st)
		var notTracked []string
		for _, c := range st.Changed {
			if slices.Contains(list.untracked, c) {
				notTracked = append(notTracked, c)
			}
		}
		if len(notTracked) > 0 {
			msg += fmt.Sprintf("\n  not tracked by git: %s: git add and commit them, or delete them", strings.Join(notTracked, ", "))
		}
		return errors.New(msg + "\n  run `make seal`, commit testdata/SEAL with the change, and make the template again")
	}
	sums, err := seal.Sums(root)
	if err != nil {
		return err
	}
	var notTracked []string
	for _, p := range slices.Sorted(maps.Keys(sums)) {
		if !slices.Contains(list.files, p) {
			notTracked = append(notTracked, p)
		}
	}
	if len(notTracked) > 0 {
		return fmt.Errorf("sealed, but not tracked by git, so a template would leave them out: %s\n"+
			"  git add and commit them (or delete them and run `make seal`), and make the template again", strings.Join(notTracked, ", "))
	}
	return nil
}

// stripREADME takes the instructors' section out of the README at path and
// says what it did.
func stripREADME(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	student, ok := StudentREADME(data)
	if !ok {
		return fmt.Sprintf("no %q section to take out: copied as it is", InstructorSection), nil
	}
	if err := os.WriteFile(path, student, 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("the section %q taken out: the rest is the students'", InstructorSection), nil
}

// StudentREADME is the course's README without its section for
// instructors (InstructorSection, up to the next heading of its level or
// above), and whether it had one.
func StudentREADME(data []byte) ([]byte, bool) {
	lines := strings.SplitAfter(string(data), "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == InstructorSection })
	if start < 0 {
		return data, false
	}
	end := len(lines)
	inFence := false
	for i := start + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if !inFence && (strings.HasPrefix(l, "# ") || strings.HasPrefix(l, "## ")) {
			end = i
			break
		}
	}
	before := strings.TrimRight(strings.Join(lines[:start], ""), " \t\n")
	after := strings.Join(lines[end:], "")
	switch {
	case before == "":
		return []byte(after), true
	case after == "":
		return []byte(before + "\n"), true
	}
	return []byte(before + "\n\n" + after), true
}

// printList prints what was left out for a reason, if anything was.
func printList(out io.Writer, why string, paths []string) {
	if len(paths) == 0 {
		return
	}
	const most = 10
	shown := paths
	more := ""
	if len(paths) > most {
		shown, more = paths[:most], fmt.Sprintf(" and %d more", len(paths)-most)
	}
	fmt.Fprintf(out, "%s: %s%s\n", why, strings.Join(shown, ", "), more)
}

// topDir is the first element of a slash-separated path.
func topDir(p string) string {
	top, _, _ := strings.Cut(p, "/")
	return top
}

// A fileList is the course's files, relative to its root with slashes.
type fileList struct {
	files     []string // the course's: git's tracked files, or every file
	untracked []string // files git neither tracks nor ignores, left out
	how       string   // how files was listed
}

// listFiles lists the files of the repository at root: git's tracked
// files when root is a git repository, or else every file but what
// skippedDirs names.
func listFiles(root, git string) (fileList, error) {
	why := "git is not installed"
	if _, err := exec.LookPath(git); err == nil {
		tracked, gitErr := gitOutput(git, root, "ls-files", "-z", "--cached")
		if gitErr == nil && tracked != "" {
			others, err := gitOutput(git, root, "ls-files", "-z", "--others", "--exclude-standard")
			if err != nil {
				return fileList{}, err
			}
			// A file deleted from the index but not from the work tree
			// shows in both --cached and --others: it is tracked.
			files := splitZ(tracked)
			untracked := slices.DeleteFunc(splitZ(others), func(p string) bool { return slices.Contains(files, p) })
			return fileList{files, untracked, "the files git tracks, as they are in the work tree"}, nil
		}
		why = fmt.Sprintf("%s is not a git repository", root)
		if gitErr == nil {
			why = "git tracks no files in " + root
		}
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && (d.Name() == ".git" || slices.Contains(skippedDirs, rel)):
			return filepath.SkipDir
		case d.IsDir() || rel == ".":
			return nil
		}
		files = append(files, rel)
		return nil
	})
	how := "every file but .git, results/, .bin/, .grader-ref/ and batch-results/: " + why
	return fileList{files: files, how: how}, err
}

// splitZ splits git's -z output.
func splitZ(s string) []string {
	return slices.DeleteFunc(strings.Split(s, "\x00"), func(p string) bool { return p == "" })
}

// errNotFile is a path that is neither a file nor a symbolic link.
var errNotFile = errors.New("not a file")

// copyFile copies the file or symbolic link src to dst, keeping its
// permissions.
func copyFile(src, dst string) error {
	info, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		link, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(link, dst)
	case !info.Mode().IsRegular():
		return errNotFile
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(o, in)
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit makes dest a git repository whose first commit holds everything
// in it.
func commit(git, dest string, out io.Writer) error {
	if _, err := gitOutput(git, dest, "-c", "init.defaultBranch=main", "init", "-q"); err != nil {
		return err
	}
	// Every file: those the course's .gitignore ignores were tracked too.
	if _, err := gitOutput(git, dest, "add", "-A", "-f", "."); err != nil {
		return err
	}
	identity := []string{}
	name, _ := gitOutput(git, dest, "config", "user.name")
	email, _ := gitOutput(git, dest, "config", "user.email")
	if strings.TrimSpace(name) == "" || strings.TrimSpace(email) == "" {
		identity = []string{"-c", "user.name=socklab", "-c", "user.email=socklab@localhost"}
	}
	const message = "socklab: the student template"
	args := append(identity, "commit", "-q", "--no-verify", "-m", message)
	if _, err := gitOutput(git, dest, args...); err != nil {
		return err
	}
	hash, err := gitOutput(git, dest, "rev-parse", "--short", "HEAD")
	if err != nil {
		return err
	}
	branch, _ := gitOutput(git, dest, "symbolic-ref", "--short", "HEAD")
	fmt.Fprintf(out, "git: made %s a git repository (branch %s) and committed everything as its first commit, %s %q",
		dest, strings.TrimSpace(branch), strings.TrimSpace(hash), message)
	if len(identity) > 0 {
		fmt.Fprint(out, ", as socklab <socklab@localhost> (git has no user.name or user.email here)")
	}
	fmt.Fprintln(out)
	return nil
}

// gitOutput runs git in dir and returns its output.
func gitOutput(git, dir string, args ...string) (string, error) {
	cmd := exec.Command(git, append([]string{"-C", dir}, args...)...)
	// Not the repository of a hook or another git command that runs us.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains([]string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"}, name)
	})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// isInside reports whether dest is root or inside it, symbolic links
// resolved (dest need not exist yet).
func isInside(dest, root string) (bool, error) {
	r, err := resolve(root)
	if err != nil {
		return false, err
	}
	d, err := resolve(dest)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(r, d)
	if err != nil {
		return false, nil
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

// resolve is p, absolute, with the symbolic links of its longest existing
// ancestor resolved.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			slices.Reverse(rest)
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = append(rest, filepath.Base(dir))
	}
}
