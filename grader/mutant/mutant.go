// Package mutant reads an assignment's mutants and applies them. A mutant
// is the reference solution with one realistic student bug: the scenarios
// must catch every one of them, in exactly the families it names
// (`grader check`).
//
// Each mutant is a txtar file, solutions/<NN-name>/mutants/<name>.txtar:
//
//	# caught-by: byte-stream-server
//	# The server takes one Read for the whole message.
//
//	-- server/main.go: old --
//		for n < len(buf) {
//	-- server/main.go: new --
//		for n < len(buf) && n == 0 {
//
// The header says what the mutant must fail (see Expect), then in one line
// what the bug is. Then come edits, each a pair of files "<program>/<file>: old" and
// "<program>/<file>: new": the old text (by custom whole lines) must occur exactly
// once in the file, and is replaced by the new text. Several pairs may edit
// the same file, in order, or different files.
//
// ParseEdits reads the same format for other uses of edits to a solution
// (the grader's hostile submissions, in grader/testdata/hostile): its
// header needs no caught-by line, and a file named without ": old" or
// ": new", "-- server/fork.go --", is a new file, written whole.
package mutant

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// Dir is where an assignment's mutants live, inside its solution directory.
const Dir = "mutants"

// An Edit replaces the one occurrence of Old in File by New; with Old
// empty (ParseEdits only), File is a new file and New is all of it.
type Edit struct {
	File string // relative to the solution directory, with slashes: "server/main.go"
	Old  string
	New  string
}

// A Mutant is the reference solution with one bug.
type Mutant struct {
	Name        string // the file name without .txtar: "server-one-read"
	Path        string // the .txtar file
	Expect             // the scenarios it must fail, and may
	Description string // one line: the bug
	Edits       []Edit
}

// An Expect says which scenarios a variant of the reference (a mutant, a
// version in C) must fail, and which it may, in lines of its header:
//
//	caught-by: format-server-run, exit
//	may-fail: epipe-client-reset
//
// Each entry names a scenario, or a family of them (scenario.Family): the
// variant must fail the scenario, or at least one of the family, for every
// entry of caught-by, and no scenario that caught-by and may-fail do not
// name. may-fail is for a scenario that a bug makes unable to tell, such
// as one that waits for the prompt a mutant prints too early: the
// description says why. "caught-by: none" is a variant that must pass
// every scenario: a convention the scenarios tolerate.
type Expect struct {
	CaughtBy []string
	MayFail  []string
	None     bool // caught-by: none
}

// ExpectIn reads the caught-by and may-fail lines among lines, each of
// which may start with a comment marker (#, //, /*, *). found is false
// when there is no caught-by line.
func ExpectIn(lines []string) (e Expect, found bool) {
	for _, line := range lines {
		line = strings.TrimSpace(line)
		for _, marker := range []string{"#", "//", "/*", "*"} {
			line = strings.TrimSpace(strings.TrimPrefix(line, marker))
		}
		for key, list := range map[string]*[]string{"caught-by:": &e.CaughtBy, "may-fail:": &e.MayFail} {
			value, ok := strings.CutPrefix(line, key)
			if !ok {
				continue
			}
			found = found || key == "caught-by:"
			for c := range strings.SplitSeq(strings.TrimSuffix(strings.TrimSpace(value), "*/"), ",") {
				c = strings.TrimSpace(c)
				switch {
				case c == "none" && key == "caught-by:":
					e.None = true
				case c != "" && !slices.Contains(*list, c):
					*list = append(*list, c)
				}
			}
		}
	}
	return e, found
}

// Entries returns every entry of caught-by and may-fail.
func (e Expect) Entries() []string { return append(slices.Clone(e.CaughtBy), e.MayFail...) }

// Load reads the mutants in dir (solutions/<NN-name>/mutants), in file-name
// order. A missing dir holds no mutants.
func Load(dir string) ([]Mutant, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var ms []Mutant
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		m, err := Parse(strings.TrimSuffix(filepath.Base(f), ".txtar"), data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		m.Path = f
		ms = append(ms, m)
	}
	return ms, nil
}

// Parse reads the mutant called name from the text of its file.
func Parse(name string, data []byte) (Mutant, error) { return parse(name, data, false) }

// ParseEdits reads edits to a solution, written as a mutant is, for other
// uses than grader check: the header needs a description, but no caught-by
// line, and a file named "<program>/<file>" alone is a new file, which
// Apply writes whole (it must not be in the solution).
func ParseEdits(name string, data []byte) (Mutant, error) { return parse(name, data, true) }

// parse reads a mutant, or with edits, any edits (see ParseEdits).
func parse(name string, data []byte, edits bool) (Mutant, error) {
	m := Mutant{Name: name}
	ar := txtar.Parse(data)
	if err := m.header(string(ar.Comment), !edits); err != nil {
		return m, err
	}
	for files := ar.Files; len(files) > 0; {
		file, ok := strings.CutSuffix(files[0].Name, ": old")
		if !ok && edits && !strings.Contains(files[0].Name, ": ") {
			e := Edit{File: files[0].Name, New: string(files[0].Data)}
			if err := checkPath(e.File); err != nil {
				return m, err
			}
			if strings.TrimSpace(e.New) == "" {
				return m, fmt.Errorf("%s: the new file is empty", e.File)
			}
			m.Edits = append(m.Edits, e)
			files = files[1:]
			continue
		}
		if !ok {
			return m, fmt.Errorf("%q: want a %q file here, then its %q", files[0].Name,
				"<program>/<file>: old", "<program>/<file>: new")
		}
		if len(files) < 2 || files[1].Name != file+": new" {
			return m, fmt.Errorf("%q is not followed by %q", files[0].Name, file+": new")
		}
		if err := checkPath(file); err != nil {
			return m, err
		}
		e := Edit{File: file, Old: string(files[0].Data), New: string(files[1].Data)}
		switch {
		case strings.TrimSpace(e.Old) == "":
			return m, fmt.Errorf("%s: the old text is empty", file)
		case e.Old == e.New:
			return m, fmt.Errorf("%s: the new text is the old one", file)
		}
		m.Edits = append(m.Edits, e)
		files = files[2:]
	}
	if len(m.Edits) == 0 {
		return m, fmt.Errorf("no edits: want pairs of %q and %q files", "<program>/<file>: old", "<program>/<file>: new")
	}
	return m, nil
}

// checkPath checks that an edit's file is inside the solution.
func checkPath(file string) error {
	if !filepath.IsLocal(file) || strings.Contains(file, `\`) {
		return fmt.Errorf("%q: want a path inside the solution, like server/main.go", file)
	}
	return nil
}

// header reads the comment before the first file: its caught-by and
// may-fail lines (see Expect) and the description, the first other comment
// line. A caught-by line is required if caughtBy.
func (m *Mutant) header(comment string, caughtBy bool) error {
	lines := strings.Split(comment, "\n")
	m.Expect, _ = ExpectIn(lines)
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			return fmt.Errorf("line %d: want a '#' comment before the first file, got %q", n+1, line)
		}
		text = strings.TrimSpace(text)
		if strings.HasPrefix(text, "caught-by:") || strings.HasPrefix(text, "may-fail:") {
			continue
		}
		if m.Description == "" {
			m.Description = text
		}
	}
	switch {
	case caughtBy && len(m.CaughtBy) == 0 && !m.None:
		return errors.New("no '# caught-by: <scenario or family>' line in the header (or 'caught-by: none')")
	case m.None && len(m.CaughtBy) > 0:
		return fmt.Errorf("caught-by: none, and also %s", strings.Join(m.CaughtBy, ", "))
	case m.Description == "":
		return errors.New("no description line in the header")
	}
	return nil
}

// Apply writes the mutated solution as a submission: it copies the
// solution in solutionDir (solutions/<NN-name>, its mutants left out) to
// destDir/<NN-name>, so that destDir is shaped like assignments/, and makes
// the mutant's edits in the copy. An edit that does not apply (its file is
// missing, its old text is not there or is there more than once, or it is
// a new file that the solution has already) is an error naming the mutant
// and the file.
func (m Mutant) Apply(solutionDir, destDir string) error {
	solutionDir = filepath.Clean(solutionDir)
	dest := filepath.Join(destDir, filepath.Base(solutionDir))
	files := make(map[string][]byte) // relative path with slashes -> contents
	err := filepath.WalkDir(solutionDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(solutionDir, p)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && rel == Dir:
			return filepath.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		return fmt.Errorf("mutant %s: %w", m.Name, err)
	}
	for _, e := range m.Edits {
		text, ok := files[e.File]
		if e.Old == "" { // a new file
			if ok {
				return fmt.Errorf("mutant %s: %s: a new file, but the solution has it already", m.Name, e.File)
			}
			files[e.File] = []byte(e.New)
			continue
		}
		if !ok {
			return fmt.Errorf("mutant %s: %s: there is no such file in %s", m.Name, e.File, solutionDir)
		}
		switch n := strings.Count(string(text), e.Old); n {
		case 1:
			files[e.File] = []byte(strings.Replace(string(text), e.Old, e.New, 1))
		case 0:
			return fmt.Errorf("mutant %s: %s: the old text is not in the solution (has it changed?):\n%s",
				m.Name, e.File, strings.TrimSuffix(e.Old, "\n"))
		default:
			return fmt.Errorf("mutant %s: %s: the old text is in the solution %d times, want once (give more lines):\n%s",
				m.Name, e.File, n, strings.TrimSuffix(e.Old, "\n"))
		}
	}
	for rel, data := range files {
		p := filepath.Join(dest, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("mutant %s: %w", m.Name, err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("mutant %s: %w", m.Name, err)
		}
	}
	return nil
}
