//go:build unix

// Package scaffold starts new scenarios from templates (grader new, make
// new-scenario).
package scaffold

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"socklab/grader/lint"
	"socklab/grader/scenario"
)

// Points are the points a new scenario starts with.
const Points = 5

// New writes testdata/<assignment>/<name>.txtar under testdata from a
// template, with the header filled in and a skeleton story of the shape
// the name says (server, client, or pair), and tells out what it did and
// what to do next. The file it writes passes `grader lint` but for what
// the author must do: its TODO lines (the description among them). It
// never overwrites a file.
func New(testdata, assignment, name string, out io.Writer) error {
	name = strings.TrimSuffix(name, ".txtar")
	if err := lint.CheckAssignment(assignment); err != nil {
		return fmt.Errorf("assignment %v", err)
	}
	if err := lint.CheckName(name); err != nil {
		return fmt.Errorf("name %v", err)
	}
	if info, err := os.Stat(testdata); err != nil || !info.IsDir() {
		return fmt.Errorf("no scenarios directory %s (run it at the repository's top, or give -testdata)", testdata)
	}

	dir := filepath.Join(testdata, assignment)
	path := filepath.Join(dir, name+".txtar")
	existing, err := existingScenarios(dir)
	if err != nil {
		return err
	}
	for _, sc := range existing {
		if strings.EqualFold(sc.Name, name) {
			return fmt.Errorf("%s already exists: pick another name, or edit it", sc.Path)
		}
	}

	// The family, and the assignment's points.
	families := map[string][]string{}
	total := 0
	for _, sc := range existing {
		f := scenario.Family(sc.Name)
		families[f] = append(families[f], sc.Name)
		total += sc.Points
	}
	family := scenario.Family(name, slices.Collect(maps.Keys(families))...)
	role := lint.Role(name)

	newAssignment := len(existing) == 0
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(out, "created %s: a new assignment\n", dir)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: pick another name, or edit it", path)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, scenarioText(assignment, name, role, total))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}

	shape := role
	if role == "" {
		shape = "server"
	}
	fmt.Fprintf(out, "wrote %s: a %s scenario", path, shape)
	if role == "" {
		fmt.Fprint(out, " (its name says neither client, server nor pair: the steps are a server's)")
	}
	fmt.Fprintln(out)
	switch {
	case len(families[family]) > 0:
		fmt.Fprintf(out, "family %q: an existing family of %s (%s)\n", family, assignment, strings.Join(families[family], ", "))
	case newAssignment:
		fmt.Fprintf(out, "family %q: the first family of %s\n", family, assignment)
	default:
		fmt.Fprintf(out, "family %q: a new family of %s (its families: %s)\n", family, assignment,
			strings.Join(slices.Sorted(maps.Keys(families)), ", "))
	}
	fmt.Fprintf(out, "points: %d, a placeholder; %s is worth the sum of its scenarios' points, %d with this one "+
		"(or the total its %s file sets, if it has one)\n", Points, assignment, total+Points, scenario.HeaderFile)

	root := filepath.Dir(filepath.Clean(testdata))
	for _, d := range []string{"solutions", "assignments"} {
		if _, err := os.Stat(filepath.Join(root, d, assignment)); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(out, "note: there is no %s yet\n", filepath.Join(root, d, assignment))
		}
	}
	fmt.Fprintf(out, `next:
  1. edit %s: the description (the one line students read), the steps, the points; delete every TODO line
  2. go run ./grader lint                            checks it (make test runs it too)
  3. make grade SRC=solutions ASSIGNMENT=%s   the reference must pass it
  4. add the mutant it exists to catch, and run make check
  5. make seal, and commit testdata/SEAL with the scenario
`, path, assignment)
	return nil
}

// existingScenarios loads the scenarios of the assignment directory dir, none if
// it does not exist. A scenario whose header is broken still counts, with
// no points.
func existingScenarios(dir string) ([]scenario.Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var scs []scenario.Scenario
	for _, f := range files {
		sc, err := scenario.Load(f)
		if err != nil {
			sc = scenario.Scenario{Path: f, Name: strings.TrimSuffix(filepath.Base(f), ".txtar")}
		}
		scs = append(scs, sc)
	}
	return scs, nil
}

// steps are the skeleton stories, by role: the common shape of each.
var steps = map[string]string{
	"server": `port PORT
start server $PORT
dial c tcp 127.0.0.1:$PORT
send c 'Hello, server\n'
# TODO: then shutdown c (half-close: the server reads EOF), close c, or reset c (RST);
# TODO: recvline c 'TEXT\n' reads one line, recvall c 'TEXT' everything up to EOF.
recvall c 'I got your message'
await server 0
printed server stdout 'Here is the message: Hello, server'
# TODO: a server that fails: await server (any status), then reported server '^ERROR ...'.
`,
	"client": `port PORT
listen l tcp 127.0.0.1:$PORT
start client 127.0.0.1 $PORT
accept -from client l c
input client 'Hello, server\n'
recvline c 'Hello, server\n'
send c 'I got your message'
# TODO: close c (FIN), shutdown c (half-close), or reset c (RST); waitfor client stdout 'REGEXP'
# TODO: waits until the client has printed something.
close c
await client 0
printed client stdout 'Please enter the message: ' 'I got your message'
# TODO: a client that fails: await client (any status), then reported client '^ERROR ...'.
`,
	"pair": `# The client talks to the server through a relay of the grader's, which
# waits for the server to listen and records what passes each way.
port SERVER RELAY
start server $SERVER
relay -to server r tcp 127.0.0.1:$RELAY 127.0.0.1:$SERVER
start client 127.0.0.1 $RELAY
input client 'Hello, server\n'
await client 0
printed client stdout 'Please enter the message: ' 'I got your message'
await server 0
printed server stdout 'Here is the message: Hello, server'
`,
}

// scenarioText is the new scenario's file: the header with placeholder
// points and description, then the skeleton story of its role.
func scenarioText(assignment, name, role string, total int) string {
	if role == "" {
		role = "server"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# points: %d\n", Points)
	fmt.Fprintf(&b, "# TODO: one sentence students read: what must the %s do? (%s)\n", role, strings.ReplaceAll(name, "-", " "))
	fmt.Fprintf(&b, "# TODO: %d points is a placeholder: %s is worth the sum of its scenarios' points (%d before this one, %d with it).\n",
		Points, assignment, total, total+Points)
	b.WriteString("# TODO: `# timeout: 5s` here sets a time limit other than 10s.\n")
	b.WriteString("\n")
	b.WriteString("# TODO: below is the common shape of a " + role + " scenario: make it this one's story, then\n")
	b.WriteString("# TODO: delete every TODO line (students see the comments). Never sleep: wait on events\n")
	b.WriteString("# TODO: (dial retries until the server listens, accept waits, waitfor, await).\n")
	b.WriteString(steps[role])
	return b.String()
}
