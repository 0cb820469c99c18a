//go:build unix

package template

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// MinLeak is how long a line of the reference solutions must be, in
// characters, spaces around it aside, to count as reference code: longer
// lines found in a template's files are the reference leaking to students.
// Shorter ones (`if err != nil {`, `defer conn.Close()`) are everybody's.
const MinLeak = 30

// A Leak is a line of a reference solution found in a template's file.
type Leak struct {
	File   string // the template's file, relative to it, with slashes
	Line   int    // the line of File where Text starts
	Text   string // the reference's line, spaces around it trimmed
	Source string // where the reference has it: solutions/<NN>/<program>/<file>.go:LINE
}

func (l Leak) String() string {
	return fmt.Sprintf("%s:%d: %s (%s)", l.File, l.Line, l.Text, l.Source)
}

// referenceLines returns the lines longer than MinLeak of the reference
// solutions' Go files (solutions/<NN>/<program>/*.go: not the mutants, nor
// the versions in C), trimmed, each with the first place it is found.
func referenceLines(solutions string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(solutions, "*", "*", "*.go"))
	if err != nil {
		return nil, err
	}
	lines := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(filepath.Dir(solutions), f)
		if err != nil {
			rel = f
		}
		for n, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if _, seen := lines[l]; !seen && utf8.RuneCountInString(l) > MinLeak {
				lines[l] = fmt.Sprintf("%s:%d", filepath.ToSlash(rel), n+1)
			}
		}
	}
	return lines, nil
}

// Leaks looks for every line of the reference solutions under solutions
// longer than MinLeak (trimmed) in every file under dir (a template; .git
// left out), at the end of a line there (after a comment's slashes or a
// TODO, say), and returns those it finds, by file and line. Code copied
// from a solution arrives as whole lines; the same words inside a longer
// line of the grader's own code are an idiom both use. Without solutions
// there is nothing to find.
func Leaks(dir, solutions string) ([]Leak, error) {
	lines, err := referenceLines(solutions)
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	texts := slices.Sorted(maps.Keys(lines))
	var leaks []Leak
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		for n, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			for _, text := range texts {
				if strings.HasSuffix(l, text) {
					leaks = append(leaks, Leak{File: filepath.ToSlash(rel), Line: n + 1, Text: text, Source: lines[text]})
				}
			}
		}
		return nil
	})
	slices.SortFunc(leaks, func(a, b Leak) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Text, b.Text))
	})
	return leaks, err
}
