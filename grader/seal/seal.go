// Package seal keeps a manifest, testdata/SEAL, of the SHA-256 of every
// file that decides a grade: the scenarios, the grader's sources, and what
// runs them (Makefile, go.mod, go.sum, the CI workflow and the Gradescope
// scripts). Students can edit anything in their repository; a grade checks
// the manifest and says which of those files changed. Only instructors
// rewrite it, with `make seal`.
package seal

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// File is where the manifest lives, relative to the repository root.
const File = "testdata/SEAL"

// covered lists what the manifest covers, relative to the repository root:
// directories (all their files) and single files.
var covered = []string{
	"testdata",
	"grader",
	".github/workflows",
	".gradescope",
	".ci",
	// The other platforms' entry points (grader/README.md, "CI and
	// course platforms"): each decides how a grade is made there.
	".gitlab-ci.yml",
	".classroom50",
	".prairielearn",
	".container",
	"Makefile",
	"go.mod",
	"go.sum",
	// Not in the course: should one appear, it would change what runs.
	"go.work",
	"go.work.sum",
	"vendor",
}

const header = "# SHA-256 of every file that decides a grade. Instructors: rewrite with `make seal`.\n"

// Sums returns the SHA-256 of every covered file under root, by path
// relative to root with slashes.
func Sums(root string) (map[string]string, error) {
	sums := make(map[string]string)
	for _, c := range covered {
		err := filepath.WalkDir(filepath.Join(root, c), func(p string, d fs.DirEntry, err error) error {
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil // not in this repository: nothing to cover
			case err != nil:
				return err
			case d.IsDir() || !d.Type().IsRegular():
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if rel == File {
				return nil
			}
			sum, err := hashFile(p)
			sums[rel] = sum
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return sums, nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Write rewrites the manifest of the repository at root.
func Write(root string) error {
	sums, err := Sums(root)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header)
	for _, p := range slices.Sorted(maps.Keys(sums)) {
		fmt.Fprintf(&b, "%s  %s\n", sums[p], p)
	}
	return os.WriteFile(filepath.Join(root, File), []byte(b.String()), 0o644)
}

// A Status says whether the files that decide a grade are as sealed.
type Status struct {
	Sealed  bool
	Changed []string // covered files whose contents differ, are missing, or are new
	Problem string   // why the manifest could not be checked, if it could not
	// During are covered files that changed on disk while the grade ran
	// (the grade used what it had read before): a program tampered with
	// them, or someone edited the course meanwhile. A grade with any is
	// not sealed.
	During []string
}

// String is the line every output shows for an unsealed grade.
func (s Status) String() string {
	switch {
	case s.Sealed:
		return "sealed: true"
	case s.Problem != "":
		return "sealed: false (" + s.Problem + ")"
	case len(s.During) > 0 && len(s.Changed) == 0:
		return "sealed: false (changed on disk while grading, after the grader had read them: " + list(s.During) + ")"
	}
	line := "sealed: false (changed: " + list(s.Changed)
	if len(s.During) > 0 {
		line += "; and while grading: " + list(s.During)
	}
	return line + ")"
}

// list names files, the first shownChanges of them.
func list(files []string) string {
	changed := files
	if len(changed) > shownChanges {
		changed = append(changed[:shownChanges:shownChanges], fmt.Sprintf("and %d more", len(files)-shownChanges))
	}
	return strings.Join(changed, ", ")
}

// shownChanges is how many changed files String names; results.json's
// extra_data lists them all.
const shownChanges = 8

// Check compares the repository at root with its manifest.
func Check(root string) Status {
	got, err := Sums(root)
	if err != nil {
		return Status{Problem: err.Error()}
	}
	return Compare(root, got)
}

// A Snapshot is the covered files of a repository as a grade read them:
// their sums, by path relative to the root.
type Snapshot map[string]string

// Take sums the covered files of the repository at root, with read (what
// the grade read into memory of them, by path relative to root) standing
// for what is on disk: the grade runs on what it read.
func Take(root string, read map[string][]byte) (Snapshot, error) {
	sums, err := Sums(root)
	if err != nil {
		return nil, err
	}
	for p, data := range read {
		h := sha256.Sum256(data)
		sums[filepath.ToSlash(p)] = hex.EncodeToString(h[:])
	}
	return sums, nil
}

// Since returns the covered files whose contents on disk now differ from
// the snapshot's (or that came or went since).
func (s Snapshot) Since(root string) []string {
	now, err := Sums(root)
	if err != nil {
		return []string{err.Error()}
	}
	return differ(s, now)
}

// differ returns the paths whose sums differ between a and b.
func differ(a, b map[string]string) []string {
	var changed []string
	for p, sum := range b {
		if a[p] != sum {
			changed = append(changed, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return changed
}

// Compare compares got, the sums of the covered files of the repository
// at root, with its manifest.
func Compare(root string, got map[string]string) Status {
	want, err := read(filepath.Join(root, File))
	if err != nil {
		return Status{Problem: err.Error()}
	}
	changed := differ(want, got)
	return Status{Sealed: len(changed) == 0, Changed: changed}
}

// read parses a manifest: "<sha256>  <path>" lines, '#' comments.
func read(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s", path.Base(file))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums := make(map[string]string)
	lines := bufio.NewScanner(f)
	for n := 1; lines.Scan(); n++ {
		line := strings.TrimSpace(lines.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, p, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("%s:%d: not a \"<sha256>  <path>\" line", path.Base(file), n)
		}
		sums[p] = sum
	}
	return sums, lines.Err()
}
