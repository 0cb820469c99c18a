// Package scenario finds the scenarios of each assignment and reads their
// headers.
//
// A scenario is a testscript file, testdata/<NN-name>/<scenario>.txtar,
// that opens with a header: the comment lines before the first blank line
// or command.
//
//	# points: 10
//	# timeout: 3s
//	# Your server prints the whole message, however many pieces it comes in.
//
// "points" is required; "timeout" (default 10s) and "visibility" are
// optional; the first other header line is the description students see.
package scenario

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"socklab/grader/script"
)

// DefaultTimeout is a scenario's time limit when its header sets none.
const DefaultTimeout = 10 * time.Second

// MaxTimeout bounds the timeout a header may set.
const MaxTimeout = 60 * time.Second

// Visibility values, as Gradescope names them.
var visibilities = []string{"visible", "hidden", "after_due_date", "after_published"}

// A Scenario is one graded behaviour of one assignment.
type Scenario struct {
	Assignment  string        // "01-stream"
	Name        string        // "message-ack-server", the file name without .txtar
	Family      string        // "message-ack": see Family
	Path        string        // the .txtar file
	Points      int           // earned when it passes
	Timeout     time.Duration // time limit for the whole scenario
	Visibility  string        // "visible" unless the header says otherwise
	Description string        // one line, for students
	Programs    []string      // student programs it starts, e.g. "server"
	Header      []string      // the header's lines, as written
	Script      []string      // the script's lines, the header's included: line n is Script[n-1]
	// Data is the whole file, as read before any program ran: the grade
	// runs this, whatever happens to the file meanwhile.
	Data []byte
}

// An Assignment is a directory of scenarios.
type Assignment struct {
	Name      string // "01-stream"
	Scenarios []Scenario
	// Total, if not 0, is the points its score is scaled to: its header
	// file, HeaderFile in its directory, says "# total: N". Without it, an
	// assignment is worth the sum of its scenarios' points.
	Total int
}

// HeaderFile is the optional file of an assignment's directory that holds
// the assignment's header: comment lines "# key: value", such as
//
//	# total: 100
//
// and comments.
const HeaderFile = "ASSIGNMENT"

// ReadHeader reads the header file of an assignment directory, if there is
// one, and returns its total (0 without).
func ReadHeader(dir string) (total int, err error) {
	data, err := os.ReadFile(filepath.Join(dir, HeaderFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return ParseHeader(data)
}

// ParseHeader reads the text of an assignment's header file.
func ParseHeader(data []byte) (total int, err error) {
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		comment, ok := strings.CutPrefix(line, "#")
		switch {
		case line == "":
			continue
		case !ok:
			return 0, fmt.Errorf("line %d: want comment lines, '# total: N' and others, got %q", n+1, line)
		}
		key, value, found := strings.Cut(strings.TrimSpace(comment), ":")
		if !found || strings.TrimSpace(key) != "total" {
			continue // a comment
		}
		if total, err = strconv.Atoi(strings.TrimSpace(value)); err != nil || total <= 0 {
			return 0, fmt.Errorf("line %d: total: want a whole number above 0, got %q", n+1, strings.TrimSpace(value))
		}
	}
	return total, nil
}

// Named returns the names of the scenarios that entry names: the scenario
// called entry if there is one, or else every scenario of the family
// entry. A mutant's caught-by names scenarios this way, so that a new
// scenario joins a family it is of, never a name it merely starts with.
func (a Assignment) Named(entry string) []string {
	var names []string
	for _, sc := range a.Scenarios {
		if sc.Name == entry {
			return []string{sc.Name}
		}
		if sc.Family == entry {
			names = append(names, sc.Name)
		}
	}
	return names
}

// roles are the words of a scenario name that say whose program it tests.
var roles = []string{"client", "server", "pair"}

// Family returns the family of a scenario name: the words before its
// first role word (client, server or pair): message-ack-client-hostname
// is of message-ack, port-in-use-server of port-in-use, exit-client of
// exit. A name with no role word after its first word is of the longest
// family in known that it starts with, or else of its first word.
func Family(name string, known ...string) string {
	if f, ok := roleFamily(name); ok {
		return f
	}
	best := strings.Split(name, "-")[0]
	for _, f := range known {
		if strings.HasPrefix(name, f+"-") && len(f) > len(best) {
			best = f
		}
	}
	return best
}

// roleFamily returns the words of name before its first role word, if a
// role word comes after its first word.
func roleFamily(name string) (string, bool) {
	words := strings.Split(name, "-")
	if i := slices.IndexFunc(words, func(w string) bool { return slices.Contains(roles, w) }); i > 0 {
		return strings.Join(words[:i], "-"), true
	}
	return "", false
}

// Programs returns every program the assignment's scenarios start.
func (a Assignment) Programs() []string {
	var progs []string
	for _, sc := range a.Scenarios {
		progs = append(progs, sc.Programs...)
	}
	slices.Sort(progs)
	return slices.Compact(progs)
}

// assignmentName is the shape of an assignment directory: 01-stream.
var assignmentName = regexp.MustCompile(`^[0-9]{2}-[a-z0-9-]+$`)

// Discover returns the assignments under dir in order, each with its
// scenarios in file-name order. If only is not empty, it returns just that
// assignment.
func Discover(dir, only string) ([]Assignment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var as []Assignment
	for _, e := range entries {
		if !e.IsDir() || !assignmentName.MatchString(e.Name()) || (only != "" && e.Name() != only) {
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.txtar"))
		if err != nil {
			return nil, err
		}
		a := Assignment{Name: e.Name()}
		if a.Total, err = ReadHeader(filepath.Join(dir, e.Name())); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, e.Name(), HeaderFile), err)
		}
		for _, f := range files {
			sc, err := Load(f)
			if err != nil {
				return nil, err
			}
			a.Scenarios = append(a.Scenarios, sc)
		}
		setFamilies(a.Scenarios)
		as = append(as, a)
	}
	if only != "" && len(as) == 0 {
		return nil, fmt.Errorf("no assignment %q under %s", only, dir)
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("no assignments under %s", dir)
	}
	return as, nil
}

// setFamilies gives each scenario its family (see Family), knowing the
// families that the role words of the others make.
func setFamilies(scs []Scenario) {
	var known []string
	for _, sc := range scs {
		if f, ok := roleFamily(sc.Name); ok {
			known = append(known, f)
		}
	}
	for i := range scs {
		scs[i].Family = Family(scs[i].Name, known...)
	}
}

// Load reads the scenario in path.
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	sc, err := Parse(txtar.Parse(data).Comment)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	sc.Path = path
	sc.Data = data
	sc.Name = strings.TrimSuffix(filepath.Base(path), ".txtar")
	sc.Family = Family(sc.Name)
	sc.Assignment = filepath.Base(filepath.Dir(path))
	return sc, nil
}

// Parse reads the header and the programs of a script.
func Parse(text []byte) (Scenario, error) {
	sc := Scenario{Points: -1, Timeout: DefaultTimeout, Visibility: "visible"}
	lines := bufio.NewScanner(bytes.NewReader(text))
	inHeader := true
	for n := 1; lines.Scan(); n++ {
		sc.Script = append(sc.Script, lines.Text())
		line := strings.TrimSpace(lines.Text())
		comment, isComment := strings.CutPrefix(line, "#")
		switch {
		case inHeader && isComment:
			sc.Header = append(sc.Header, line)
			if err := sc.header(strings.TrimSpace(comment)); err != nil {
				return sc, fmt.Errorf("line %d: %w", n, err)
			}
		case line == "":
			inHeader = false
		default:
			inHeader = false
			if prog := startedProgram(line); prog != "" && !slices.Contains(sc.Programs, prog) {
				sc.Programs = append(sc.Programs, prog)
			}
		}
	}
	switch {
	case sc.Points < 0:
		return sc, fmt.Errorf("no '# points: N' line in the header")
	case sc.Description == "":
		return sc, fmt.Errorf("no description line in the header")
	}
	return sc, nil
}

// header takes one header comment: a known key, or the description.
func (sc *Scenario) header(c string) error {
	key, value, _ := strings.Cut(c, ":")
	value = strings.TrimSpace(value)
	switch key {
	case "points":
		p, err := strconv.Atoi(value)
		if err != nil || p < 0 {
			return fmt.Errorf("points: want a whole number, got %q", value)
		}
		sc.Points = p
	case "timeout":
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 || d > MaxTimeout {
			return fmt.Errorf("timeout: want a duration up to %v, like 3s, got %q", MaxTimeout, value)
		}
		sc.Timeout = d
	case "visibility":
		if !slices.Contains(visibilities, value) {
			return fmt.Errorf("visibility: want one of %s, got %q", strings.Join(visibilities, ", "), value)
		}
		sc.Visibility = value
	default:
		if sc.Description == "" && c != "" {
			sc.Description = c
		}
	}
	return nil
}

// startedProgram returns the program a `start` line starts, or "".
func startedProgram(line string) string {
	f := strings.Fields(line)
	for len(f) > 0 && strings.HasPrefix(f[0], "[") { // a [condition] prefix
		f = f[1:]
	}
	if len(f) < 2 || f[0] != "start" {
		return ""
	}
	prog, _ := script.StartedProgram(f[1:])
	return prog
}
