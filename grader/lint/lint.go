//go:build unix

// Package lint checks the scenarios of the course before they grade
// anyone: their headers, their names, their commands, and the points of
// each assignment.
//
// The rules, each reported as "path:line: problem" (a directory-wide
// problem as "path: problem"):
//
//   - the header: '# points: N' and a description are required, and the
//     timeout and the visibility must be valid (scenario.Parse decides);
//     a header key set twice;
//   - the file name: <family>-<what>.txtar, lowercase words joined by '-';
//     only such files belong in an assignment directory, and an assignment
//     directory is named NN-name;
//   - two scenarios of an assignment whose names differ only by case (one
//     file on macOS and Windows), whose descriptions are the same, or
//     whose steps are the same;
//   - an assignment's header file (scenario.HeaderFile), if it has one,
//     must be valid;
//   - never sleep: a sleep command, exec of sleep, a shell or any other
//     program run by exec that mentions sleep, or a student program named
//     sleep;
//   - exec at all: scenarios start the student's programs with start and
//     play the other side with the grader's own commands;
//   - a command that is neither one of testscript's nor a scenario
//     command, or one that comes from a variable; '!' before a scenario
//     command, which takes none;
//   - a [condition] that is neither testscript's nor ipv6;
//   - a program, connection, listener or relay used before the line that
//     starts or opens it (or never defined), and a $VAR used before the
//     port line that leases it;
//   - a scenario that starts no program (it would pass anything);
//   - a file name used twice in the scenario's archive;
//   - a TODO left in a comment (students see the comments; `grader new`
//     leaves TODOs for the author).
//
// Lines are read the way testscript reads them: '#' starts a comment
// outside quotes, single quotes group words (two quotes inside them are one),
// [conditions] and '!' come before the command. Only commands count: a
// comment or a quoted argument that mentions sleep is fine.
package lint

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"socklab/grader/scenario"
)

// A Problem is one thing wrong with one scenario file, or with an
// assignment directory when Line is 0.
type Problem struct {
	Path string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Msg)
}

// A Report is what linting a testdata directory found.
type Report struct {
	Assignments int // assignment directories
	Scenarios   int // scenario files
	Problems    []Problem
}

// Dir lints every scenario under testdata, a directory shaped like
// testdata/. It returns an error only when it cannot read it.
func Dir(testdata string) (Report, error) {
	var rep Report
	entries, err := os.ReadDir(testdata)
	if err != nil {
		return rep, err
	}
	for _, e := range entries {
		p := filepath.Join(testdata, e.Name())
		switch {
		case e.IsDir() && CheckAssignment(e.Name()) == nil:
			rep.Assignments++
			n, problems, err := Assignment(p)
			if err != nil {
				return rep, err
			}
			rep.Scenarios += n
			rep.Problems = append(rep.Problems, problems...)
		case e.IsDir():
			if scs, _ := filepath.Glob(filepath.Join(p, "*.txtar")); len(scs) > 0 {
				rep.Problems = append(rep.Problems, Problem{p, 0, fmt.Sprintf(
					"holds scenarios, but is not named like an assignment (NN-name, e.g. 01-stream): the grader never runs them")})
			}
		case strings.HasSuffix(e.Name(), ".txtar"):
			rep.Problems = append(rep.Problems, Problem{p, 0,
				"a scenario outside any assignment directory: the grader never runs it (move it to testdata/<NN-name>/)"})
		}
	}
	sortProblems(rep.Problems)
	return rep, nil
}

// Assignment lints the scenarios of one assignment directory, each file
// and the whole: names, duplicates, points. It returns how many scenario
// files there are.
func Assignment(dir string) (int, []Problem, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, nil, err
	}
	var problems []Problem
	add := func(path string, line int, format string, args ...any) {
		problems = append(problems, Problem{path, line, fmt.Sprintf(format, args...)})
	}
	byFold := map[string][]string{} // lowercase file name -> file names
	byDesc := map[string]string{}   // description -> first file with it
	byBody := map[string]string{}   // steps -> first file with them
	counted := 0
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		byFold[strings.ToLower(e.Name())] = append(byFold[strings.ToLower(e.Name())], e.Name())
		if e.Name() == scenario.HeaderFile && !e.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return 0, nil, err
			}
			if _, err := scenario.ParseHeader(data); err != nil {
				add(p, headerErrorLine(err), "%s", headerError(err))
			}
			continue
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txtar") {
			add(p, 0, "not a scenario: an assignment directory holds <family>-<what>.txtar files only (and its header, %s), and the grader ignores anything else", scenario.HeaderFile)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return 0, nil, err
		}
		fileProblems, sc, ok := File(p, data)
		problems = append(problems, fileProblems...)
		counted++
		if !ok {
			continue
		}
		if first, dup := byDesc[sc.Description]; dup {
			add(p, descriptionLine(sc), "the same description as %s: students tell scenarios apart by it", filepath.Base(first))
		} else {
			byDesc[sc.Description] = p
		}
		if body := steps(sc, data); body != "" {
			if first, dup := byBody[body]; dup {
				add(p, firstStep(sc), "the same steps as %s: one scenario checks one behaviour", filepath.Base(first))
			} else {
				byBody[body] = p
			}
		}
	}
	for _, names := range byFold {
		if len(names) > 1 {
			for _, n := range names {
				others := slices.DeleteFunc(slices.Clone(names), func(o string) bool { return o == n })
				add(filepath.Join(dir, n), 1, "the same name as %s but for case: one file where case does not count (macOS, Windows)",
					strings.Join(others, ", "))
			}
		}
	}
	sortProblems(problems)
	return counted, problems, nil
}

// File lints one scenario file, path, whose contents are data. It returns
// the problems, and the scenario when its header is valid (ok).
func File(path string, data []byte) (problems []Problem, sc scenario.Scenario, ok bool) {
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{path, line, fmt.Sprintf(format, args...)})
	}
	name := strings.TrimSuffix(filepath.Base(path), ".txtar")
	if err := CheckName(name); err != nil {
		add(1, "file name %v", err)
	}

	archive := txtar.Parse(data)
	sc, err := scenario.Parse(archive.Comment)
	ok = err == nil
	if err != nil {
		add(headerErrorLine(err), "%s", headerError(err))
	}
	sc.Path, sc.Name = path, name
	sc.Assignment = filepath.Base(filepath.Dir(path))

	seen := map[string]int{}
	for i, h := range sc.Header {
		key, _, found := strings.Cut(strings.TrimSpace(strings.TrimPrefix(h, "#")), ":")
		if !found || !slices.Contains([]string{"points", "timeout", "visibility"}, key) {
			continue
		}
		if first, dup := seen[key]; dup {
			add(i+1, "%s is set twice in the header (first on line %d)", key, first)
		} else {
			seen[key] = i + 1
		}
	}

	desc := descriptionLine(sc)
	files := map[string]string{}
	for _, f := range archive.Files {
		files[f.Name] = string(f.Data)
	}
	// Not sc.Script: Parse stops at the first bad header line.
	lines := strings.Split(strings.TrimSuffix(string(archive.Comment), "\n"), "\n")
	names := undefined(lines)
	for i, line := range lines {
		n := i + 1
		for _, msg := range append(Line(line, files), names[n]...) {
			if n == desc && strings.HasPrefix(msg, todoProblem) {
				msg = "the description is still a TODO: write the one sentence students read about this scenario"
			}
			add(n, "%s", msg)
		}
	}
	if ok && len(sc.Programs) == 0 {
		add(firstStep(sc), "starts no program: it would pass whatever the student wrote (start server ..., start client ...)")
	}
	problems = append(problems, archiveDuplicates(path, data)...)
	sortProblems(problems)
	return problems, sc, ok
}

// headerErrorLine is the line a scenario.Parse error names ("line N: ..."),
// or 1.
func headerErrorLine(err error) int {
	if rest, found := strings.CutPrefix(err.Error(), "line "); found {
		if n, _, found := strings.Cut(rest, ":"); found {
			if line, err := strconv.Atoi(n); err == nil {
				return line
			}
		}
	}
	return 1
}

// headerError is a scenario.Parse error without its "line N: ".
func headerError(err error) string {
	msg := err.Error()
	if rest, found := strings.CutPrefix(msg, "line "); found {
		if _, after, found := strings.Cut(rest, ": "); found {
			return "header: " + after
		}
	}
	return msg
}

// descriptionLine is the line of sc's description, or 0.
func descriptionLine(sc scenario.Scenario) int {
	if sc.Description == "" {
		return 0
	}
	for i, h := range sc.Header {
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "#")) == sc.Description {
			return i + 1
		}
	}
	return 0
}

// firstStep is the line of the first step after sc's header, or 1.
func firstStep(sc scenario.Scenario) int {
	for i := len(sc.Header); i < len(sc.Script); i++ {
		if strings.TrimSpace(sc.Script[i]) != "" {
			return i + 1
		}
	}
	return 1
}

// steps is what a scenario file holds after its header, blank lines and
// surrounding space dropped.
func steps(sc scenario.Scenario, data []byte) string {
	lines := strings.Split(string(data), "\n")
	if len(sc.Header) > len(lines) {
		return ""
	}
	var kept []string
	for _, l := range lines[len(sc.Header):] {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// txtarMarker is a txtar file marker line: "-- name --".
var txtarMarker = regexp.MustCompile(`^-- (.+) --$`)

// archiveDuplicates reports a file name used twice in a scenario's
// archive: the grader runs scenarios with RequireUniqueNames, so that is
// an error when the scenario runs.
func archiveDuplicates(path string, data []byte) []Problem {
	var problems []Problem
	first := map[string]int{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		m := txtarMarker.FindSubmatch(bytes.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		name := strings.TrimSpace(string(m[1]))
		if l, dup := first[name]; dup {
			problems = append(problems, Problem{path, i + 1,
				fmt.Sprintf("the archive holds %s twice (first on line %d): the grader refuses to run it", name, l)})
		} else {
			first[name] = i + 1
		}
	}
	return problems
}

func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line))
	})
}
