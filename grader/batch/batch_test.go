//go:build unix

package batch

import (
	"bytes"
	"context"
	"encoding/csv"
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

	"socklab/grader/runner"
	"socklab/grader/scenario"
)

const testdata = "../../testdata"

// hostileName is a student directory name that is HTML: it must show as
// text in the report, never as markup.
const hostileName = "<img src=x onerror=alert(1)>"

// class writes a small class in a new directory: alice handed in the
// reference solutions, bob the skeletons, carol a whole repository whose
// server does not compile, and a student whose directory's name is HTML
// handed in the reference solutions too. It returns the directory and
// whether the hostile name could be made on this file system.
func class(t *testing.T) (string, bool) {
	t.Helper()
	if _, err := os.Stat("../../solutions"); err != nil {
		t.Skip("no solutions/ here: a student's copy of the course")
	}
	dir := t.TempDir()
	copyAssignment(t, "../../solutions/01-stream", filepath.Join(dir, "alice", "01-stream"))
	copyAssignment(t, "../../assignments/01-stream", filepath.Join(dir, "bob", "01-stream"))
	carol := filepath.Join(dir, "carol", "assignments", "01-stream")
	copyAssignment(t, "../../solutions/01-stream", carol)
	require.NoError(t, os.WriteFile(filepath.Join(carol, "server", "main.go"),
		[]byte("package main\n\nfunc main() { undefined() }\n"), 0o644))
	for _, f := range []string{"go.mod", "go.sum"} { // a repository's, as students have them
		data, err := os.ReadFile(filepath.Join("../..", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "carol", f), data, 0o644))
	}
	hostile := os.MkdirAll(filepath.Join(dir, hostileName), 0o755) == nil
	if hostile {
		copyAssignment(t, "../../solutions/01-stream", filepath.Join(dir, hostileName, "01-stream"))
	}
	return dir, hostile
}

// copyAssignment copies the programs' Go files of an assignment.
func copyAssignment(t *testing.T, from, to string) {
	t.Helper()
	for _, prog := range []string{"server", "client"} {
		data, err := os.ReadFile(filepath.Join(from, prog, "main.go"))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(to, prog), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(to, prog, "main.go"), data, 0o644))
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"zoe/01-stream", "adam/assignments/01-stream", ".git", "out", "empty"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))

	subs, err := Discover(dir, filepath.Join(dir, "out"))
	require.NoError(t, err)
	assert.Equal(t, []Submission{
		{Student: "adam", Dir: filepath.Join(dir, "adam"), Src: filepath.Join(dir, "adam", "assignments")},
		{Student: "empty", Dir: filepath.Join(dir, "empty"), Src: filepath.Join(dir, "empty")},
		{Student: "zoe", Dir: filepath.Join(dir, "zoe"), Src: filepath.Join(dir, "zoe")},
	}, subs, "by name; a whole repository is graded in its assignments/; no hidden directory, file, or skipped directory")

	_, err = Discover(filepath.Join(dir, "empty"))
	assert.ErrorContains(t, err, "no submissions")
	_, err = Discover(filepath.Join(dir, "no-such-dir"))
	assert.Error(t, err)
}

// TestBatch grades a small class and checks every output: the grades,
// the CSV, the HTML report and the summary.
func TestBatch(t *testing.T) {
	t.Parallel()
	dir, hostile := class(t)
	b, err := Run(context.Background(), Options{Dir: dir, Testdata: testdata, Jobs: 2})
	require.NoError(t, err)
	require.Empty(t, b.Broken(), "every submission is graded whole")
	assert.False(t, b.Interrupted)

	students := []string{"alice", "bob", "carol"}
	if hostile {
		students = []string{hostileName, "alice", "bob", "carol"}
	}
	var names []string
	grades := map[string]*runner.Grade{}
	for _, e := range b.Entries {
		names = append(names, e.Student)
		grades[e.Student] = e.Grade
	}
	require.Equal(t, students, names)

	as, err := scenario.Discover(testdata, "")
	require.NoError(t, err)
	// What each scenario should earn each student: its points when it
	// passes, nothing when it fails, "" when skipped on this machine.
	want := func(student string, sc scenario.Scenario) string {
		for _, r := range grades[student].Results {
			if r.Scenario.Path == sc.Path && r.Status == runner.Skipped {
				return ""
			}
		}
		switch {
		case student == "bob":
			return "0" // the skeletons pass nothing
		case student == "carol" && slices.Contains(sc.Programs, "server"):
			return "0" // her server does not compile
		}
		return strconv.Itoa(sc.Points)
	}

	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteCSV(&buf))
		rows, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err, "the CSV parses, every row as long as the header")
		header := []string{"student", "assignment", "score", "max"}
		for _, a := range as {
			for _, sc := range a.Scenarios {
				header = append(header, a.Name+"/"+sc.Name)
			}
		}
		require.Equal(t, header, rows[0])
		require.Len(t, rows, 1+len(students)*len(as), "one row per student and assignment")
		for i, student := range students {
			row := rows[1+i]
			assert.Equal(t, student, row[0])
			assert.Equal(t, "01-stream", row[1])
			earned, possible := 0, 0
			for j, sc := range as[0].Scenarios {
				w := want(student, sc)
				assert.Equal(t, w, row[4+j], "%s: %s", student, sc.Name)
				if w != "" {
					n, _ := strconv.Atoi(w)
					earned += n
					possible += sc.Points
				}
			}
			assert.Equal(t, strconv.Itoa(earned), row[2], "%s: score", student)
			assert.Equal(t, strconv.Itoa(possible), row[3], "%s: max", student)
		}
	})

	t.Run("html", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteHTML(&buf))
		doc := parseHTML(t, buf.String())
		if hostile {
			assert.NotContains(t, buf.String(), "<img", "the student's name is not markup")
			assert.Contains(t, buf.String(), "&lt;img src=x onerror=alert(1)&gt;")
			assert.Contains(t, doc.students, hostileName, "but shows as text")
		}
		assert.NotContains(t, doc.elements, "script")
		assert.NotContains(t, doc.elements, "img")

		// Every scenario's pass rate, hardest first.
		require.Len(t, doc.scenarios, len(as[0].Scenarios))
		last := -1.0
		for _, row := range doc.scenarios {
			name, passed := row[0], row[2]
			sc := find(t, as[0].Scenarios, name)
			p, total := 0, 0
			for _, student := range students {
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
		assert.Equal(t, students, doc.students)
	})

	t.Run("summary", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, b.WriteSummary(&buf))
		out := buf.String()
		assert.Contains(t, out, fmt.Sprintf("Graded %d of %d students", len(students), len(students)))
		assert.Contains(t, out, "01-stream: mean score ")
		assert.Contains(t, out, "Hardest scenarios:\n")
		hardest := 0
		for _, line := range strings.Split(out[strings.Index(out, "Hardest"):], "\n")[1:] {
			if !strings.HasPrefix(line, "  01-stream/") {
				break
			}
			hardest++
		}
		assert.Equal(t, 3, hardest, "the 3 hardest scenarios")
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
	scenarios [][]string // the cells' text of each row of the scenarios tables
	students  []string   // the first cell of each row of the students tables
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
					p.students = append(p.students, row[0])
				}
			}
		}
	}
	return p
}

// grade makes a grade from statuses by scenario name.
func grade(statuses map[string]runner.Status, scs []scenario.Scenario) *runner.Grade {
	g := &runner.Grade{}
	for _, sc := range scs {
		st, ok := statuses[sc.Name]
		if !ok {
			st = runner.Passed
		}
		r := runner.Result{Scenario: sc, Status: st}
		if st == runner.Passed {
			r.Earned = sc.Points
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
	scs := []scenario.Scenario{{Assignment: "01-stream", Name: "a", Points: 5, Description: "A <b>thing</b>."}}
	b := &Batch{
		Dir:         "<dir>",
		Assignments: []scenario.Assignment{{Name: "01-stream", Scenarios: scs}},
		Started:     time.Now(),
	}
	names := []string{"<script>alert(1)</script>", "\x1b[31mred\u202e", `"quoted" & 'single'`, "=HYPERLINK(\"x\")"}
	for _, n := range names {
		b.Entries = append(b.Entries, Entry{Submission: Submission{Student: n}, Grade: grade(nil, scs)})
	}
	b.Entries = append(b.Entries, Entry{Submission: Submission{Student: "<i>broken</i>"}, Err: "<b>why</b>"})

	var html bytes.Buffer
	require.NoError(t, b.WriteHTML(&html))
	doc := parseHTML(t, html.String())
	for _, bad := range []string{"<script", "<i>", "<b>", "\x1b", "\u202e", "<dir>"} {
		assert.NotContains(t, html.String(), bad)
	}
	assert.Contains(t, html.String(), "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Equal(t, []string{"<script>alert(1)</script>", `\x1b[31mred\u202e`, `"quoted" & 'single'`, "=HYPERLINK(\"x\")", "<i>broken</i>"},
		doc.students, "the names show as text, control characters as escapes")
	assert.NotContains(t, doc.elements, "script")
	assert.NotContains(t, doc.elements, "i")

	var summary bytes.Buffer
	require.NoError(t, b.WriteSummary(&summary))
	assert.NotContains(t, summary.String(), "\x1b")
	assert.Contains(t, summary.String(), "<i>broken</i>: <b>why</b>")

	var out bytes.Buffer
	require.NoError(t, b.WriteCSV(&out))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"'=HYPERLINK(\"x\")", "01-stream", "5", "5", "5"}, rows[4])
	assert.Equal(t, []string{"<i>broken</i>", "01-stream", "", "", ""}, rows[5], "not graded: no score")
}

// TestStats checks the figures on made-up grades: pass rates, hardest
// first, what is not in a pass rate.
func TestStats(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{
		{Assignment: "01-stream", Name: "easy", Points: 10},
		{Assignment: "01-stream", Name: "hard", Points: 20},
		{Assignment: "01-stream", Name: "medium", Points: 30},
		{Assignment: "01-stream", Name: "nowhere", Points: 40},
	}
	skip := map[string]runner.Status{"nowhere": runner.Skipped}
	with := func(m map[string]runner.Status) map[string]runner.Status {
		for k, v := range skip {
			m[k] = v
		}
		return m
	}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "01-stream", Scenarios: scs}}}
	for i, m := range []map[string]runner.Status{
		with(map[string]runner.Status{}),
		with(map[string]runner.Status{"hard": runner.Failed}),
		with(map[string]runner.Status{"hard": runner.Failed, "medium": runner.Failed}),
		with(map[string]runner.Status{"hard": runner.Errored, "medium": runner.Failed}),
	} {
		b.Entries = append(b.Entries, Entry{Submission: Submission{Student: fmt.Sprint(i)}, Grade: grade(m, scs)})
	}
	b.Entries = append(b.Entries, Entry{Submission: Submission{Student: "x"}, Err: "could not grade"})

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
	assert.Equal(t, []string{"hard", "medium"}, a.Students[2].Failed)
	assert.Equal(t, "could not grade", a.Students[4].Err)

	hard := Hardest(stats, 3)
	require.Len(t, hard, 3)
	assert.Equal(t, "hard", hard[0].Scenario.Name)
	assert.Len(t, Hardest(stats, 10), 3, "only scenarios that counted for someone")
	assert.Len(t, b.Broken(), 2, "the errored grade and the one not graded")
}

// TestInterrupted: a batch stopped before it starts grades nobody, and
// says so.
func TestInterrupted(t *testing.T) {
	t.Parallel()
	dir, _ := class(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := Run(ctx, Options{Dir: dir, Testdata: testdata})
	require.NoError(t, err)
	assert.True(t, b.Interrupted)
	require.NotEmpty(t, b.Entries)
	for _, e := range b.Entries {
		assert.Equal(t, "not graded: grading was interrupted", e.Err)
	}
	assert.Len(t, b.Broken(), len(b.Entries))
}

func TestRunCannotStart(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Testdata: testdata})
	assert.ErrorContains(t, err, "no submissions")
	_, err = Run(context.Background(), Options{Dir: t.TempDir(), Testdata: "no-such-dir"})
	assert.Error(t, err)
	dir, _ := class(t)
	_, err = Run(context.Background(), Options{Dir: dir, Testdata: testdata, Assignment: "99-nothing"})
	assert.ErrorContains(t, err, "99-nothing")
}
