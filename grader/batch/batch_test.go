//go:build unix

package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// hostileName is a student directory name that is HTML: it must show as
// text in the report, never as markup.
const hostileName = "<img src=x onerror=alert(1)>"

// notCompiling is a program that does not compile.
const notCompiling = "package main\n\nfunc main() { undefined() }\n"

// class writes a small class, made from the fixture course, in a new
// directory:
//
//   - alice handed in the references of both assignments;
//   - bob the skeletons;
//   - carol a whole repository (assignments/, go.mod) with 01-echo only,
//     whose server does not compile;
//   - dan an empty folder;
//   - erin 01-echo's server alone, and an empty 02-upper folder;
//   - a student whose folder's name is HTML handed in the references too,
//     where the file system takes such a name.
//
// Only bob's skeletons and carol's server are programs alice has not
// handed in: the build cache serves the rest.
func class(t *testing.T, c coursetest.Course) (dir string, students []string) {
	t.Helper()
	dir = t.TempDir()
	both := []string{"01-echo", "02-upper"}
	copyPrograms(t, c.Solutions(), filepath.Join(dir, "alice"), both, "server", "client")
	copyPrograms(t, c.Assignments(), filepath.Join(dir, "bob"), both, "server", "client")
	carol := filepath.Join(dir, "carol", "assignments")
	copyPrograms(t, c.Solutions(), carol, []string{"01-echo"}, "server", "client")
	writeFile(t, filepath.Join(carol, "01-echo", "server", "main.go"), notCompiling)
	writeFile(t, filepath.Join(dir, "carol", "go.mod"), "module example.com/carol\n\ngo 1.22\n")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dan"), 0o755))
	copyPrograms(t, c.Solutions(), filepath.Join(dir, "erin"), []string{"01-echo"}, "server")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "erin", "02-upper"), 0o755))
	students = []string{"alice", "bob", "carol", "dan", "erin"}
	if os.MkdirAll(filepath.Join(dir, hostileName), 0o755) == nil {
		copyPrograms(t, c.Solutions(), filepath.Join(dir, hostileName), both, "server", "client")
		students = append([]string{hostileName}, students...) // '<' sorts first
	}
	return dir, students
}

// copyPrograms copies the Go files of the programs of the assignments in
// the course directory from (solutions/ or assignments/) to the
// submission to.
func copyPrograms(t *testing.T, from, to string, assignments []string, programs ...string) {
	t.Helper()
	for _, a := range assignments {
		for _, prog := range programs {
			data, err := os.ReadFile(filepath.Join(from, a, prog, "main.go"))
			require.NoError(t, err)
			writeFile(t, filepath.Join(to, a, prog, "main.go"), string(data))
		}
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"zoe/01-echo", "adam/assignments/01-echo", ".git", "out", "empty"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))
	for _, f := range []string{"grades.csv", "report.html"} { // an earlier batch's, under another -out
		writeFile(t, filepath.Join(dir, "old-results", f), "")
	}
	writeFile(t, filepath.Join(dir, "empty", "01-echo", "grades.csv"), "") // not a batch's

	subs, err := Discover(dir, filepath.Join(dir, "out"))
	require.NoError(t, err)
	assert.Equal(t, []Submission{
		{Student: "adam", Dir: filepath.Join(dir, "adam"), Src: filepath.Join(dir, "adam", "assignments")},
		{Student: "empty", Dir: filepath.Join(dir, "empty"), Src: filepath.Join(dir, "empty")},
		{Student: "zoe", Dir: filepath.Join(dir, "zoe"), Src: filepath.Join(dir, "zoe")},
	}, subs, "by name; a whole repository is graded in its assignments/; no hidden directory, file, skipped directory, or earlier outputs")

	_, err = Discover(filepath.Join(dir, "old-results"))
	assert.ErrorContains(t, err, "no submissions")
	_, err = Discover(filepath.Join(dir, "no-such-dir"))
	assert.Error(t, err)
}

// TestMissing: a program is handed in when its folder holds a Go file
// that is not a test, whether it compiles or not.
func TestMissing(t *testing.T) {
	t.Parallel()
	as, err := scenario.Discover(coursetest.Fixture(t).Testdata(), "")
	require.NoError(t, err)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "01-echo", "server", "main.go"), notCompiling)
	writeFile(t, filepath.Join(src, "01-echo", "client", "main_test.go"), "package main\n")
	writeFile(t, filepath.Join(src, "01-echo", "client", "README.md"), "")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "01-echo", "client", "dir.go"), 0o755))
	writeFile(t, filepath.Join(src, "02-upper", "main.go"), "package main\n") // not in a program's folder
	assert.Equal(t, []string{"01-echo/client", "02-upper/client", "02-upper/server"}, Missing(src, as))
	assert.Empty(t, Missing(coursetest.Fixture(t).Assignments(), as), "the skeletons are handed in")
	assert.Len(t, Missing(filepath.Join(src, "nothing"), as), 4)
}

// TestBatch grades a small class made from the fixture course and checks
// every output: the grades, the CSV, the HTML report, the summary and
// each student's feedback folder.
func TestBatch(t *testing.T) {
	t.Parallel()
	c := coursetest.Fixture(t)
	dir, students := class(t, c)
	b, err := Run(context.Background(), Options{Dir: dir, Testdata: c.Testdata(), Jobs: 2})
	require.NoError(t, err)
	require.Empty(t, b.Broken(), "every submission is graded whole")
	assert.False(t, b.Interrupted)

	var names []string
	grades := map[string]*runner.Grade{}
	for _, e := range b.Entries {
		names = append(names, e.Student)
		require.NotNil(t, e.Grade, e.Student)
		grades[e.Student] = e.Grade
	}
	require.Equal(t, students, names)
	as := b.Assignments
	require.Len(t, as, 2)
	require.Equal(t, "01-echo", as[0].Name)
	require.Equal(t, "02-upper", as[1].Name)

	// passes says whether a scenario should pass for a student.
	passes := func(student string, sc scenario.Scenario) bool {
		switch student {
		case "bob", "dan":
			return false // the skeletons, nothing
		case "carol": // 01-echo's client; her server does not compile
			return sc.Assignment == "01-echo" && !slices.Contains(sc.Programs, "server")
		case "erin": // 01-echo's server
			return sc.Assignment == "01-echo" && !slices.Contains(sc.Programs, "client")
		}
		return true
	}
	// result is a student's result in a scenario.
	result := func(student string, sc scenario.Scenario) runner.Result {
		for _, r := range grades[student].Results {
			if r.Scenario.Path == sc.Path {
				return r
			}
		}
		t.Fatalf("%s: no result for %s", student, sc.Path)
		return runner.Result{}
	}
	// want is what a scenario earns a student, as the CSV has it: its
	// points when it passes, 0 when it fails, "" when it cannot run here.
	want := func(student string, sc scenario.Scenario) string {
		switch {
		case result(student, sc).Status == runner.Skipped:
			return ""
		case passes(student, sc):
			return strconv.Itoa(sc.Points)
		}
		return "0"
	}
	// scoreOf is the score make grade gives the student in an assignment:
	// the points earned and possible, scaled to the assignment's total.
	scoreOf := func(student string, a scenario.Assignment) (earned, possible int) {
		for _, sc := range a.Scenarios {
			if w := want(student, sc); w != "" {
				n, _ := strconv.Atoi(w)
				earned += n
				possible += sc.Points
			}
		}
		if a.Total > 0 && possible > 0 {
			return (earned*a.Total + possible/2) / possible, a.Total
		}
		return earned, possible
	}
	status := map[string][2]string{ // by student: 01-echo's, 02-upper's
		hostileName: {"passed", "passed"},
		"alice":     {"passed", "passed"},
		"bob":       {"failed", "failed"},
		"carol":     {"does not build: server", "no submission"},
		"dan":       {"no submission", "no submission"},
		"erin":      {"no submission: client", "no submission"},
	}

	t.Run("grades", func(t *testing.T) {
		for _, student := range students {
			for _, a := range as {
				for _, sc := range a.Scenarios {
					if r := result(student, sc); r.Status != runner.Skipped {
						assert.Equal(t, passes(student, sc), r.Status == runner.Passed, "%s: %s/%s: %s", student, a.Name, sc.Name, r.Reason)
					}
				}
			}
		}
		earned, possible := scoreOf("alice", as[1])
		assert.Equal(t, [2]int{10, 10}, [2]int{earned, possible}, "02-upper's 5 points are scaled to its total, 10")
		for i, e := range b.Entries {
			assert.Equal(t, map[string][]string{
				"carol": {"02-upper/client", "02-upper/server"},
				"dan":   {"01-echo/client", "01-echo/server", "02-upper/client", "02-upper/server"},
				"erin":  {"01-echo/client", "02-upper/client", "02-upper/server"},
			}[e.Student], b.Entries[i].Missing, e.Student)
		}
	})

	t.Run("stats", func(t *testing.T) {
		stats := b.Stats()
		require.Len(t, stats, 2)
		for i, a := range stats {
			var submitted int
			for j, s := range a.Students {
				assert.Equal(t, students[j], s.Student)
				assert.Equal(t, status[s.Student][i], s.Status(), "%s: %s", s.Student, a.Name)
				earned, possible := scoreOf(s.Student, as[i])
				assert.Equal(t, [2]int{earned, possible}, [2]int{s.Earned, s.Possible}, "%s: %s", s.Student, a.Name)
				if !s.NoSubmission {
					submitted++
				}
			}
			assert.Equal(t, submitted, a.Graded, "%s: a student with no submission is in no figure", a.Name)
			assert.Equal(t, len(students)-submitted, a.NoSubmission, a.Name)
		}
		assert.Equal(t, 1, stats[0].NoSubmission, "dan")
		assert.Equal(t, 3, stats[1].NoSubmission, "carol, dan, erin")
		for _, sc := range stats[1].Scenarios {
			assert.Equal(t, len(students)-3, sc.Total(), "%s: those who handed 02-upper in", sc.Scenario.Name)
		}

		carol := stats[0].Students[slices.Index(students, "carol")]
		require.Len(t, carol.NotBuilt, 1)
		assert.Equal(t, "server", carol.NotBuilt[0].Program)
		assert.Contains(t, carol.NotBuilt[0].Output, "undefined: undefined", "the compiler's message")
		lines := carol.FailureLines()
		require.Len(t, lines, 1, "the scenarios her server stops, in one line: %v", lines)
		var server []string
		for _, sc := range as[0].Scenarios {
			if slices.Contains(sc.Programs, "server") {
				server = append(server, sc.Name)
			}
		}
		assert.Equal(t, server, lines[0].Scenarios)
		assert.True(t, strings.HasPrefix(lines[0].Reason, "not run: "), lines[0].Reason)
		assert.Empty(t, stats[0].Students[slices.Index(students, "dan")].FailureLines(), "no submission: nothing to list")
	})

	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteCSV(&buf))
		rows, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err, "the CSV parses, every row as long as the header")
		require.Equal(t, []string{"student", "assignment", "score", "max", "status",
			"01-echo/echo-client", "01-echo/echo-pair", "01-echo/echo-server", "01-echo/eof-server",
			"01-echo/exit-server", "01-echo/ipv6-server", "01-echo/usage-server-no-port",
			"02-upper/upper-client", "02-upper/upper-server", "failed", "feedback"}, rows[0])
		require.Len(t, rows, 1+len(students)*len(as), "one row per student and assignment")
		col := 5
		for i, a := range as {
			for _, sc := range a.Scenarios {
				for j, student := range students {
					row := rows[1+j*len(as)+i]
					assert.Equal(t, want(student, sc), row[col], "%s: %s/%s", student, a.Name, sc.Name)
				}
				col++
			}
		}
		for j, student := range students {
			for i, a := range as {
				row := rows[1+j*len(as)+i]
				assert.Equal(t, []string{student, a.Name}, row[:2])
				earned, possible := scoreOf(student, a)
				assert.Equal(t, []string{strconv.Itoa(earned), strconv.Itoa(possible), status[student][i]}, row[2:5], "%s: %s", student, a.Name)
				for _, sc := range a.Scenarios {
					if sc.Assignment != a.Name {
						assert.Empty(t, row[slices.Index(rows[0], sc.Assignment+"/"+sc.Name)], "another assignment's")
					}
				}
				// Every failure that ran, with its reason.
				failed := row[len(row)-2]
				for _, sc := range a.Scenarios {
					if r := result(student, sc); r.Status == runner.Failed && !r.NotRun() && status[student][i] != "no submission" {
						assert.Contains(t, failed, sc.Name+": "+OneLine(r.Reason), "%s: %s", student, a.Name)
					}
				}
				if status[student][i] == "no submission" || status[student][i] == "passed" {
					assert.Empty(t, failed, "%s: %s", student, a.Name)
				}
				assert.Equal(t, "feedback/"+student, row[len(row)-1])
			}
		}
		carol := rows[1+slices.Index(students, "carol")*len(as)]
		assert.Contains(t, carol[len(carol)-2], "echo-server, eof-server", "what her server stops, in one line")
		assert.NotContains(t, carol[len(carol)-2], "echo-client")
	})

	t.Run("html", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteHTML(&buf))
		page := buf.String()
		doc := parseHTML(t, page)
		if slices.Contains(students, hostileName) {
			assert.NotContains(t, page, "<img", "the student's name is not markup")
			assert.Contains(t, page, "&lt;img src=x onerror=alert(1)&gt;")
			assert.Contains(t, doc.links, "feedback/%3Cimg%20src=x%20onerror=alert%281%29%3E/report.txt", "nor is the link")
		}
		assert.NotContains(t, doc.elements, "script")
		assert.NotContains(t, doc.elements, "img")

		// Every scenario's pass rate, hardest first, among the students
		// who handed the assignment in.
		require.Len(t, doc.scenarios, len(as[0].Scenarios)+len(as[1].Scenarios))
		for i, a := range as {
			rows := doc.scenarios[:len(a.Scenarios)]
			doc.scenarios = doc.scenarios[len(a.Scenarios):]
			last := -1.0
			for _, row := range rows {
				name, passed := row[0], row[2]
				sc := find(t, a.Scenarios, name)
				p, total := 0, 0
				for _, student := range students {
					if status[student][i] == "no submission" {
						continue
					}
					switch want(student, sc) {
					case "":
					case "0":
						total++
					default:
						p++
						total++
					}
				}
				assert.Equal(t, fmt.Sprintf("%d/%d", p, total), passed, name)
				if total > 0 {
					rate := float64(p) / float64(total)
					assert.Equal(t, fmt.Sprintf("%.0f%%", 100*rate), row[3], name)
					assert.GreaterOrEqual(t, rate, last, "%s: hardest first", name)
					last = rate
				}
				assert.True(t, strings.HasPrefix(row[5], sc.Description), "%s: the description shows", name)
			}
		}

		// Every student's score, status, failures and feedback folder.
		require.Len(t, doc.students, len(students)*len(as))
		for i, a := range as {
			for j, student := range students {
				row := doc.students[i*len(students)+j]
				require.Len(t, row, 6, "%s: %v", student, row)
				earned, possible := scoreOf(student, a)
				assert.Equal(t, []string{student, fmt.Sprintf("%d/%d", earned, possible), status[student][i]},
					[]string{row[0], row[1], row[3]}, a.Name)
				for _, sc := range a.Scenarios {
					if r := result(student, sc); r.Status == runner.Failed && !r.NotRun() {
						assert.Contains(t, row[4], sc.Name+": "+OneLine(r.Reason), "%s: %s: each failure with its reason", student, a.Name)
					}
				}
				assert.Equal(t, "feedback/"+student+"/ (results.json)", row[5])
			}
		}
		assert.Contains(t, doc.links, "feedback/bob/report.txt")
		assert.Contains(t, doc.links, "feedback/bob/results.json")
		carol := doc.students[slices.Index(students, "carol")]
		assert.Contains(t, carol[4], "server does not build: ", "the compiler's first error")
		assert.Contains(t, carol[4], "undefined: undefined")
		assert.Contains(t, carol[4], "# "+filepath.Join(dir, "carol", "assignments", "01-echo", "server"), "and its whole message")
	})

	t.Run("summary", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteSummary(&buf))
		out := buf.String()
		assert.Contains(t, out, fmt.Sprintf("Graded %d of %d students", len(students), len(students)))
		assert.Regexp(t, `\n01-echo: mean score [0-9.]+/[0-9.]+ \(\d+%\), \d+ of \d+ with every point; 1 with no submission\.\n`, out)
		assert.Regexp(t, `\n02-upper: mean score [0-9.]+/10\.0 \(\d+%\), \d+ of \d+ with every point; 3 with no submission\.\n`, out)
		assert.Contains(t, out, "Hardest scenarios:\n")
		hardest := 0
		for _, line := range strings.Split(out[strings.Index(out, "Hardest"):], "\n")[1:] {
			if !strings.HasPrefix(line, "  0") {
				break
			}
			hardest++
		}
		assert.Equal(t, 3, hardest, "the 3 hardest scenarios")
		assert.Contains(t, out, "No submission:\n  carol: 02-upper\n  dan: 01-echo, 02-upper\n  erin: 01-echo/client, 02-upper\n")
		assert.Regexp(t, `Does not build:\n  carol: 01-echo/server: \S+/main\.go:\d+:\d+: undefined: undefined\n`, out)
	})

	t.Run("feedback", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		require.NoError(t, b.Write(out))
		for _, e := range b.Entries {
			folder := filepath.Join(out, "feedback", e.Student)
			var text bytes.Buffer
			require.NoError(t, report.Text(&text, e.Grade, false, 80))
			got, err := os.ReadFile(filepath.Join(folder, "report.txt"))
			require.NoError(t, err)
			assert.Equal(t, text.String(), string(got), "%s: what make grade prints, no color, 80 wide", e.Student)
			assert.NotContains(t, string(got), "\x1b[")

			data, err := json.MarshalIndent(report.Gradescope(e.Grade), "", "  ")
			require.NoError(t, err)
			got, err = os.ReadFile(filepath.Join(folder, "results.json"))
			require.NoError(t, err)
			assert.Equal(t, string(data)+"\n", string(got), "%s: results.json as make grade writes it", e.Student)
		}
		report := func(student string) string {
			data, err := os.ReadFile(filepath.Join(out, "feedback", student, "report.txt"))
			require.NoError(t, err)
			return string(data)
		}
		assert.Contains(t, report("carol"), "undefined: undefined", "the compiler's message")
		assert.Contains(t, report("bob"), "=== FAIL 01-echo/echo-server (4 points)", "each failure's story")
		earned, possible := scoreOf("alice", as[0])
		assert.True(t, strings.HasSuffix(report("alice"), fmt.Sprintf("Score: %d/%d\n", earned+10, possible+10)), report("alice"))

		for name, write := range map[string]func(io.Writer) error{"grades.csv": b.WriteCSV, "report.html": b.WriteHTML} {
			var want bytes.Buffer
			require.NoError(t, write(&want))
			got, err := os.ReadFile(filepath.Join(out, name))
			require.NoError(t, err)
			assert.Equal(t, want.String(), string(got), name)
		}
	})
}

func find(t *testing.T, scs []scenario.Scenario, name string) scenario.Scenario {
	t.Helper()
	for _, sc := range scs {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return scenario.Scenario{}
}

// htmlPage is what the test reads in the HTML report.
type htmlPage struct {
	elements  []string   // every element's name
	links     []string   // every link's href
	scenarios [][]string // the cells' text of each row of the scenarios tables
	students  [][]string // the cells' text of each row of the students tables
}

// parseHTML parses the report, which is well-formed XML as well as HTML,
// with encoding/xml in its lenient mode.
func parseHTML(t *testing.T, doc string) htmlPage {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var p htmlPage
	var table string
	var row []string
	var cell *strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the report parses")
		switch tok := tok.(type) {
		case xml.StartElement:
			p.elements = append(p.elements, tok.Name.Local)
			switch tok.Name.Local {
			case "table":
				for _, a := range tok.Attr {
					if a.Name.Local == "class" {
						table = a.Value
					}
				}
			case "a":
				for _, a := range tok.Attr {
					if a.Name.Local == "href" {
						p.links = append(p.links, a.Value)
					}
				}
			case "tr":
				row = nil
			case "td":
				cell = &strings.Builder{}
			}
		case xml.CharData:
			if cell != nil {
				cell.Write(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "td":
				row = append(row, strings.TrimSpace(cell.String()))
				cell = nil
			case "tr":
				if len(row) > 0 && table == "scenarios" {
					p.scenarios = append(p.scenarios, row)
				}
				if len(row) > 0 && table == "students" {
					p.students = append(p.students, row)
				}
			}
		}
	}
	return p
}

// grade makes a grade from statuses by scenario name; a failure's reason
// is "failed".
func grade(statuses map[string]runner.Status, scs []scenario.Scenario) *runner.Grade {
	g := &runner.Grade{}
	for _, sc := range scs {
		st, ok := statuses[sc.Name]
		if !ok {
			st = runner.Passed
		}
		r := runner.Result{Scenario: sc, Status: st}
		switch st {
		case runner.Passed:
			r.Earned = sc.Points
		case runner.Failed:
			r.Reason = "failed"
		}
		g.Results = append(g.Results, r)
	}
	return g
}

// TestEscaping: whatever a student's directory is called, the report
// shows it as text, the summary shows control characters as escapes, and
// a spreadsheet does not run it as a formula.
func TestEscaping(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 5, Description: "A <b>thing</b>.", Programs: []string{"server"}}}
	b := &Batch{
		Dir:         "<dir>",
		Assignments: []scenario.Assignment{{Name: "01-echo", Scenarios: scs}},
		Started:     time.Now(),
	}
	names := []string{"<script>alert(1)</script>", "\x1b[31mred\u202e", `"quoted" & 'single'`, "=HYPERLINK(\"x\")"}
	for _, n := range names {
		b.Entries = append(b.Entries, Entry{Submission: Submission{Student: n}, Grade: grade(nil, scs)})
	}
	b.Entries = append(b.Entries, Entry{Submission: Submission{Student: "<i>broken</i>"}, Err: "<b>why</b>"})
	// A failure whose reason quotes what a program printed, and a
	// compiler's message.
	g := grade(map[string]runner.Status{"a": runner.Failed}, scs)
	g.Results[0].Reason = "want \"x\"; server printed <script>\x1b[2J"
	g.Builds = []runner.Build{{Program: "server", Dir: "/s/01-echo/server", Err: fmt.Errorf("does not compile"),
		Output: "# /s/01-echo/server\n/s/01-echo/server/main.go:1:1: <b>bad</b>\x1b[2J"}}
	b.Entries = append(b.Entries, Entry{Submission: Submission{Student: "x"}, Grade: g})

	var html bytes.Buffer
	require.NoError(t, b.WriteHTML(&html))
	doc := parseHTML(t, html.String())
	for _, bad := range []string{"<script", "<i>", "<b>", "\x1b", "\u202e", "<dir>"} {
		assert.NotContains(t, html.String(), bad)
	}
	assert.Contains(t, html.String(), "&lt;script&gt;alert(1)&lt;/script&gt;")
	var students []string
	for _, row := range doc.students {
		students = append(students, row[0])
	}
	assert.Equal(t, []string{"<script>alert(1)</script>", `\x1b[31mred\u202e`, `"quoted" & 'single'`, "=HYPERLINK(\"x\")", "<i>broken</i>", "x"},
		students, "the names show as text, control characters as escapes")
	assert.Contains(t, doc.students[5][4], `a: want "x"; server printed <script>\x1b[2J`)
	assert.Contains(t, doc.students[5][4], `main.go:1:1: <b>bad</b>\x1b[2J`)
	assert.NotContains(t, doc.elements, "script")
	assert.NotContains(t, doc.elements, "i")
	assert.NotContains(t, doc.elements, "b")

	var summary bytes.Buffer
	require.NoError(t, b.WriteSummary(&summary))
	assert.NotContains(t, summary.String(), "\x1b")
	assert.Contains(t, summary.String(), "<i>broken</i>: <b>why</b>")
	assert.Contains(t, summary.String(), `x: 01-echo/server: /s/01-echo/server/main.go:1:1: <b>bad</b>\x1b[2J`)

	var out bytes.Buffer
	require.NoError(t, b.WriteCSV(&out))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"'=HYPERLINK(\"x\")", "01-echo", "5", "5", "passed", "5", "", "feedback/=HYPERLINK(\"x\")"}, rows[4])
	assert.Equal(t, []string{"<i>broken</i>", "01-echo", "", "", "not graded", "", "", "feedback/<i>broken</i>"}, rows[5], "not graded: no score")
	assert.Equal(t, []string{"x", "01-echo", "0", "5", "does not build: server", "0", `a: want "x"; server printed <script>\x1b[2J`, "feedback/x"}, rows[6])
}

// TestStats checks the figures on made-up grades: pass rates, hardest
// first, what is not in a pass rate, the reason failures share.
func TestStats(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{
		{Assignment: "01-echo", Name: "easy", Points: 10},
		{Assignment: "01-echo", Name: "hard", Points: 20},
		{Assignment: "01-echo", Name: "medium", Points: 30},
		{Assignment: "01-echo", Name: "nowhere", Points: 40},
	}
	skip := map[string]runner.Status{"nowhere": runner.Skipped}
	with := func(m map[string]runner.Status) map[string]runner.Status {
		for k, v := range skip {
			m[k] = v
		}
		return m
	}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "01-echo", Scenarios: scs}}}
	for i, m := range []map[string]runner.Status{
		with(map[string]runner.Status{}),
		with(map[string]runner.Status{"hard": runner.Failed}),
		with(map[string]runner.Status{"hard": runner.Failed, "medium": runner.Failed}),
		with(map[string]runner.Status{"hard": runner.Errored, "medium": runner.Failed}),
	} {
		b.Entries = append(b.Entries, Entry{Submission: Submission{Student: fmt.Sprint(i)}, Grade: grade(m, scs)})
	}
	b.Entries = append(b.Entries, Entry{Submission: Submission{Student: "x"}, Err: "could not grade"})
	// The reasons of medium's failures differ by the port leased alone;
	// hard's do not share one.
	b.Entries[1].Grade.Results[1].Reason = "no program connected to 127.0.0.1:23456"
	b.Entries[2].Grade.Results[1].Reason = "server printed nothing"
	b.Entries[2].Grade.Results[2].Reason = "cannot connect to 127.0.0.1:24000: refused"
	b.Entries[3].Grade.Results[2].Reason = "cannot connect to 127.0.0.1:31999: refused"

	stats := b.Stats()
	require.Len(t, stats, 1)
	a := stats[0]
	var order []string
	for _, s := range a.Scenarios {
		order = append(order, fmt.Sprintf("%s %d/%d %s", s.Scenario.Name, s.Passed, s.Total(), s.Percent()))
	}
	assert.Equal(t, []string{"hard 1/3 33%", "medium 2/4 50%", "easy 4/4 100%", "nowhere 0/0 –"}, order,
		"hardest first; a scenario skipped or errored is not in its pass rate")
	assert.Equal(t, 4, a.Graded, "a submission not graded counts in no figure")
	assert.Equal(t, 1, a.Full)
	assert.InDelta(t, (60.0+40+10+10)/4, a.Mean(), 1e-9)
	assert.InDelta(t, 60.0, a.MeanMax(), 1e-9, "an errored scenario counts in the maximum, and earns nothing")
	assert.Equal(t, "50%", a.MeanPercent())
	assert.Equal(t, []Failure{{Scenario: "hard", Reason: "server printed nothing"},
		{Scenario: "medium", Reason: "cannot connect to 127.0.0.1:24000: refused"}}, a.Students[2].Failures)
	assert.Equal(t, "failed", a.Students[2].Status())
	assert.Equal(t, "grader error", a.Students[3].Status())
	assert.Equal(t, "passed", a.Students[0].Status())
	assert.Equal(t, "could not grade", a.Students[4].Err)
	assert.Equal(t, "not graded", a.Students[4].Status())
	assert.Equal(t, "cannot connect to 127.0.0.1:$PORT: refused", a.Scenarios[1].Common, "the ports leased aside")
	assert.Equal(t, 2, a.Scenarios[1].Shared)
	assert.Empty(t, a.Scenarios[0].Common, "no reason two failures share")

	hard := Hardest(stats, 3)
	require.Len(t, hard, 3)
	assert.Equal(t, "hard", hard[0].Scenario.Name)
	assert.Len(t, Hardest(stats, 10), 3, "only scenarios that counted for someone")
	assert.Len(t, b.Broken(), 2, "the errored grade and the one not graded")

	var summary bytes.Buffer
	require.NoError(t, b.WriteSummary(&summary))
	assert.Regexp(t, `\n  01-echo/medium +50% +\(2/4 passed\) +most often \(2 of 2\): cannot connect to 127\.0\.0\.1:\$PORT: refused\n`, summary.String())
}

// TestStatsScaled: an assignment with a total of its own is scored as
// make grade scores it, scaled.
func TestStatsScaled(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{{Assignment: "02-upper", Name: "a", Points: 2}, {Assignment: "02-upper", Name: "b", Points: 3}}
	g := grade(map[string]runner.Status{"a": runner.Failed}, scs)
	g.Totals = map[string]int{"02-upper": 10}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "02-upper", Scenarios: scs, Total: 10}},
		Entries: []Entry{{Submission: Submission{Student: "s"}, Grade: g}}}
	s := b.Stats()[0].Students[0]
	assert.Equal(t, [2]int{6, 10}, [2]int{s.Earned, s.Possible}, "3 of 5 points, scaled to 10")
	var out bytes.Buffer
	require.NoError(t, b.WriteCSV(&out))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"s", "02-upper", "6", "10", "failed", "0", "3", "a: failed", "feedback/s"}, rows[1],
		"the score scaled, each scenario's points as they are")
}

// TestInterrupted: a batch stopped before it starts grades nobody, and
// says so; each student's feedback folder says so too.
func TestInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range []string{"ann", "ben"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, s, "01-echo"), 0o755))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := Run(ctx, Options{Dir: dir, Testdata: coursetest.Fixture(t).Testdata()})
	require.NoError(t, err)
	assert.True(t, b.Interrupted)
	require.Len(t, b.Entries, 2)
	for _, e := range b.Entries {
		assert.Equal(t, "not graded: grading was interrupted", e.Err)
	}
	assert.Len(t, b.Broken(), len(b.Entries))

	out := t.TempDir()
	stale := filepath.Join(out, "feedback", "ann", "results.json")
	writeFile(t, stale, "{}") // from an earlier batch
	require.NoError(t, b.Write(out))
	data, err := os.ReadFile(filepath.Join(out, "feedback", "ann", "report.txt"))
	require.NoError(t, err)
	assert.Equal(t, "Not graded: not graded: grading was interrupted\n", string(data))
	assert.NoFileExists(t, stale, "no grade: no results.json to hand back")
	assert.FileExists(t, filepath.Join(out, "feedback", "ben", "report.txt"))
}

func TestRunCannotStart(t *testing.T) {
	t.Parallel()
	testdata := coursetest.Fixture(t).Testdata()
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Testdata: testdata})
	assert.ErrorContains(t, err, "no submissions")
	_, err = Run(context.Background(), Options{Dir: t.TempDir(), Testdata: "no-such-dir"})
	assert.Error(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ann"), 0o755))
	_, err = Run(context.Background(), Options{Dir: dir, Testdata: testdata, Assignment: "99-nothing"})
	assert.ErrorContains(t, err, "99-nothing")
}

// TestWriteFails: an output directory that cannot be written is an error
// that names what was not written.
func TestWriteFails(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "file")
	writeFile(t, out, "not a directory")
	scs := []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 5}}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "01-echo", Scenarios: scs}},
		Entries: []Entry{{Submission: Submission{Student: "s"}, Grade: grade(nil, scs)}}}
	err := b.Write(out)
	require.Error(t, err)
	assert.ErrorContains(t, err, "cannot write the feedback of s")
	assert.ErrorContains(t, err, "cannot write "+filepath.Join(out, "grades.csv"))
	assert.ErrorContains(t, err, "cannot write "+filepath.Join(out, "report.html"))
}

// TestBuildErrorWithoutOutput: a program that does not build though the
// compiler said nothing (its Go files are not package main) shows the
// build's error instead.
func TestBuildErrorWithoutOutput(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 5, Programs: []string{"server"}}}
	g := grade(map[string]runner.Status{"a": runner.Failed}, scs)
	g.Builds = []runner.Build{{Program: "server", Dir: "/s/01-echo/server",
		Err: fmt.Errorf("/s/01-echo/server is not a program: main.go is package echo")}}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "01-echo", Scenarios: scs}},
		Entries: []Entry{{Submission: Submission{Student: "s"}, Grade: g}}}
	var summary, html bytes.Buffer
	require.NoError(t, b.WriteSummary(&summary))
	assert.Contains(t, summary.String(), "Does not build:\n  s: 01-echo/server: /s/01-echo/server is not a program: main.go is package echo\n")
	require.NoError(t, b.WriteHTML(&html))
	cell := parseHTML(t, html.String()).students[0][4]
	assert.Contains(t, cell, "server does not build: /s/01-echo/server is not a program")
	assert.Equal(t, 2, strings.Count(cell, "is not a program: main.go is package echo"), "in the summary line, and in place of the compiler's message: %s", cell)
}
