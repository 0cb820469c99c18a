//go:build unix

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"socklab/grader/seal"
)

// templateGit is the git command the template subcommand runs; tests
// change it to play a machine without git.
var templateGit = "git"

// templateLeftOut are the top-level directories a student template leaves
// out: the reference solutions, and with them the mutants
// (solutions/<NN>/mutants).
var templateLeftOut = []string{"solutions"}

// templateSkipped are the top-level directories that are never part of the
// course when there is no git to ask: git's own, and what git ignores.
var templateSkipped = []string{".git", "results", ".bin", ".grader-ref"}

// templateCmd is the template subcommand: it writes a student repository,
// ready to be a GitHub Classroom template, to -dest: every file git tracks
// in -root (or, without git, every file but .git, results/, .bin/ and
// .grader-ref/), except solutions/. It checks that the copy is sealed
// (testdata/SEAL holds for it, so that students' grades say sealed: true),
// then makes it a git repository with one commit, if git is there.
//
//	grader template -dest DIR [-root DIR]
func templateCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("template", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dest := flags.String("dest", "", "where to write the student repository: a new or empty directory")
	root := flags.String("root", ".", "the course repository to copy")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	switch {
	case flags.NArg() > 0:
		fmt.Fprintf(stderr, "grader template: unexpected arguments %q\n", flags.Args())
		return exitBroken
	case *dest == "":
		fmt.Fprintln(stderr, "usage: grader template -dest DIR [-root DIR]  (make template DEST=DIR)")
		return exitBroken
	}
	if err := templateWrite(*root, *dest, stdout); err != nil {
		fmt.Fprintf(stderr, "grader template: %v\n", err)
		return exitFailed
	}
	return exitPassed
}

// templateWrite writes the template of the repository at root to dest and
// tells out what it did. When it fails after it started writing, it
// removes what it wrote.
func templateWrite(root, dest string, out io.Writer) (err error) {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("%s is not the course repository (no go.mod): run it at the repository's top, or give -root", root)
	}
	inside, err := templateInside(dest, root)
	if err != nil {
		return err
	}
	if inside {
		return fmt.Errorf("%s is inside the repository it would copy: pick a directory outside it, e.g. ../socklab-template", dest)
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

	files, untracked, how, err := templateFiles(root)
	if err != nil {
		return err
	}
	var copied, leftOut, missing, skipped []string
	for _, p := range files {
		top, _, _ := strings.Cut(p, "/")
		if slices.Contains(templateLeftOut, top) {
			leftOut = append(leftOut, p)
			continue
		}
		switch err := templateCopy(filepath.Join(root, filepath.FromSlash(p)), filepath.Join(dest, filepath.FromSlash(p))); {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		case errors.Is(err, errTemplateNotFile):
			skipped = append(skipped, p)
		case err != nil:
			return err
		default:
			copied = append(copied, p)
		}
	}
	if len(copied) == 0 {
		return fmt.Errorf("no files to copy from %s", root)
	}

	st := seal.Check(dest)
	if !st.Sealed {
		msg := fmt.Sprintf("the template would not be sealed, and every student's grade would say so: %s", st)
		var notTracked []string
		for _, c := range st.Changed {
			if slices.Contains(untracked, c) {
				notTracked = append(notTracked, c)
			}
		}
		if len(notTracked) > 0 {
			msg += fmt.Sprintf("\n  not tracked by git, so left out: %s: git add and commit them", strings.Join(notTracked, ", "))
		}
		return errors.New(msg + "\n  run `make seal`, commit testdata/SEAL with the change, and make the template again")
	}

	fmt.Fprintf(out, "wrote %s: %d files (%s)\n", dest, len(copied), how)
	fmt.Fprintf(out, "left out: solutions/ (%d files: the reference solutions and their mutants)\n", len(leftOut))
	templateList(out, "left out, not tracked by git", slices.DeleteFunc(slices.Clone(untracked), func(p string) bool {
		top, _, _ := strings.Cut(p, "/")
		return slices.Contains(templateLeftOut, top)
	}))
	templateList(out, "left out, tracked but missing from the work tree", missing)
	templateList(out, "left out, not files (submodules?)", skipped)
	fmt.Fprintf(out, "the seal: %s (%s copied as it is)\n", st, seal.File)

	if _, err := exec.LookPath(templateGit); err != nil {
		fmt.Fprintf(out, "git: not found, so %s is not a git repository: run git init, git add -A and git commit there\n", dest)
	} else if err := templateCommit(dest, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "next: push %s to a new GitHub repository, mark it a template (Settings, General, Template repository),\n"+
		"and give it to GitHub Classroom as the assignment's starter code\n", dest)
	return nil
}

// templateList prints what was left out for a reason, if anything was.
func templateList(out io.Writer, why string, paths []string) {
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

// templateFiles lists the files of the repository at root, relative to it
// with slashes: git's tracked files when root is a git repository, or else
// every file but what templateSkipped names. It also returns the files
// git does not track and does not ignore, left out, and says how it
// listed them.
func templateFiles(root string) (files, untracked []string, how string, err error) {
	why := "git is not installed"
	if _, err := exec.LookPath(templateGit); err == nil {
		tracked, gitErr := templateGitOutput(root, "ls-files", "-z", "--cached")
		if gitErr == nil && tracked != "" {
			others, err := templateGitOutput(root, "ls-files", "-z", "--others", "--exclude-standard")
			if err != nil {
				return nil, nil, "", err
			}
			return templateSplit(tracked), templateSplit(others), "the files git tracks, as they are in the work tree", nil
		}
		why = fmt.Sprintf("%s is not a git repository", root)
		if gitErr == nil {
			why = "git tracks no files in " + root
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && (d.Name() == ".git" || slices.Contains(templateSkipped, rel)):
			return filepath.SkipDir
		case d.IsDir() || rel == ".":
			return nil
		}
		files = append(files, rel)
		return nil
	})
	return files, nil, "every file but .git, results/, .bin/ and .grader-ref/: " + why, err
}

// templateSplit splits git's -z output.
func templateSplit(s string) []string {
	return slices.DeleteFunc(strings.Split(s, "\x00"), func(p string) bool { return p == "" })
}

// errTemplateNotFile is a path that is neither a file nor a symbolic link.
var errTemplateNotFile = errors.New("not a file")

// templateCopy copies the file or symbolic link src to dst, keeping its
// permissions.
func templateCopy(src, dst string) error {
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
		return errTemplateNotFile
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

// templateCommit makes dest a git repository whose first commit holds
// everything in it.
func templateCommit(dest string, out io.Writer) error {
	if _, err := templateGitOutput(dest, "-c", "init.defaultBranch=main", "init", "-q"); err != nil {
		return err
	}
	// Every file: those the course's .gitignore ignores were tracked too.
	if _, err := templateGitOutput(dest, "add", "-A", "-f", "."); err != nil {
		return err
	}
	identity := []string{}
	name, _ := templateGitOutput(dest, "config", "user.name")
	email, _ := templateGitOutput(dest, "config", "user.email")
	if strings.TrimSpace(name) == "" || strings.TrimSpace(email) == "" {
		identity = []string{"-c", "user.name=socklab", "-c", "user.email=socklab@localhost"}
	}
	const message = "socklab: the student template"
	commit := append(identity, "commit", "-q", "--no-verify", "-m", message)
	if _, err := templateGitOutput(dest, commit...); err != nil {
		return err
	}
	hash, err := templateGitOutput(dest, "rev-parse", "--short", "HEAD")
	if err != nil {
		return err
	}
	branch, _ := templateGitOutput(dest, "symbolic-ref", "--short", "HEAD")
	fmt.Fprintf(out, "git: made %s a git repository (branch %s) and committed everything as its first commit, %s %q",
		dest, strings.TrimSpace(branch), strings.TrimSpace(hash), message)
	if len(identity) > 0 {
		fmt.Fprint(out, ", as socklab <socklab@localhost> (git has no user.name or user.email here)")
	}
	fmt.Fprintln(out)
	return nil
}

// templateGitOutput runs git in dir and returns its output.
func templateGitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command(templateGit, append([]string{"-C", dir}, args...)...)
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

// templateInside reports whether dest is root or inside it, symbolic links
// resolved (dest need not exist yet).
func templateInside(dest, root string) (bool, error) {
	r, err := templateResolve(root)
	if err != nil {
		return false, err
	}
	d, err := templateResolve(dest)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(r, d)
	if err != nil {
		return false, nil
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

// templateResolve is p, absolute, with the symbolic links of its longest
// existing ancestor resolved.
func templateResolve(p string) (string, error) {
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
