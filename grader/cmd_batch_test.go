//go:build unix

package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// batchClass writes a class made from the fixture course in a new
// directory: ann handed in the references, ben an empty folder, cid a
// whole repository whose 01-echo server does not compile (and no
// 02-upper). The batch's output directory is inside it, as an instructor
// might put it.
func batchClass(t *testing.T, c coursetest.Course) string {
	t.Helper()
	dir := t.TempDir()
	put := func(path, data string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	}
	for _, a := range []string{"01-echo", "02-upper"} {
		for _, prog := range []string{"server", "client"} {
			data, err := os.ReadFile(filepath.Join(c.Solutions(), a, prog, "main.go"))
			require.NoError(t, err)
			put(filepath.Join(dir, "ann", a, prog, "main.go"), string(data))
			if a == "01-echo" {
				put(filepath.Join(dir, "cid", "assignments", a, prog, "main.go"), string(data))
			}
		}
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ben"), 0o755))
	put(filepath.Join(dir, "cid", "assignments", "01-echo", "server", "main.go"), "package main\n\nfunc main() { undefined() }\n")
	put(filepath.Join(dir, "cid", "go.mod"), "module example.com/cid\n\ngo 1.22\n")
	return dir
}

// TestBatchCommand grades a class with `grader batch`: it exits 0 though
// students failed, and writes in -out grades.csv, report.html and each
// student's feedback folder, then prints the summary.
func TestBatchCommand(t *testing.T) {
	t.Parallel()
	c := coursetest.Fixture(t)
	dir := batchClass(t, c)
	out := filepath.Join(dir, "results") // inside DIR: not a student
	var stdout, stderr bytes.Buffer
	noEnv := func(string) string { return "" }
	status := run([]string{"batch", "-testdata", c.Testdata(), "-out", out, "-j", "2", dir}, &stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)

	data, err := os.ReadFile(filepath.Join(out, "grades.csv"))
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+3*2, "a header and a row per student and assignment:\n%s", data)
	assert.Equal(t, []string{"student", "assignment", "score", "max", "status", "01-echo/echo-client"}, rows[0][:6])
	assert.Equal(t, []string{"failed", "feedback"}, rows[0][len(rows[0])-2:])
	var students []string
	for _, row := range rows[1:] {
		students = append(students, row[0]+" "+row[1])
	}
	assert.Equal(t, []string{"ann 01-echo", "ann 02-upper", "ben 01-echo", "ben 02-upper", "cid 01-echo", "cid 02-upper"},
		students, "the output directory is not a student")
	echo := rows[1][3]
	assert.Contains(t, []string{"19", "17"}, echo, "19 points, less ipv6-server's 2 where it cannot run")
	assert.Equal(t, []string{echo, echo, "passed"}, rows[1][2:5], "the reference earns every point")
	assert.Equal(t, []string{"10", "10", "passed"}, rows[2][2:5], "02-upper's 5 points, scaled to 10")
	assert.Equal(t, []string{"0", echo, "no submission"}, rows[3][2:5], "an empty folder is no submission")
	assert.Equal(t, []string{"0", "10", "no submission"}, rows[4][2:5])
	assert.Equal(t, []string{"4", echo, "does not build: server"}, rows[5][2:5], "the client's scenario earns its 4 points")
	assert.Contains(t, rows[5][len(rows[5])-2], "echo-server, eof-server")
	assert.Contains(t, rows[5][len(rows[5])-2], "not run: ")
	assert.Equal(t, []string{"0", "10", "no submission"}, rows[6][2:5], "no 02-upper folder")
	assert.Equal(t, "feedback/cid", rows[5][len(rows[5])-1])

	// Each student's feedback folder: what make grade prints, and its
	// results.json.
	feedback := func(student, file string) string {
		data, err := os.ReadFile(filepath.Join(out, "feedback", student, file))
		require.NoError(t, err)
		return string(data)
	}
	assert.True(t, strings.HasSuffix(feedback("ann", "report.txt"), "\nScore: "+map[string]string{"19": "29/29", "17": "27/27"}[echo]+"\n"),
		feedback("ann", "report.txt"))
	assert.NotContains(t, feedback("ann", "report.txt"), "\x1b[", "no color")
	assert.Contains(t, feedback("cid", "report.txt"), "undefined: undefined", "the compiler's message")
	assert.Contains(t, feedback("ben", "report.txt"), "Score: 0/")
	for _, student := range []string{"ann", "ben", "cid"} {
		var res struct {
			Score    *int `json:"score"`
			MaxScore int  `json:"max_score"`
			Tests    []struct {
				Name string `json:"name"`
			} `json:"tests"`
		}
		require.NoError(t, json.Unmarshal([]byte(feedback(student, "results.json")), &res), student)
		require.NotNil(t, res.Score, student)
		assert.Len(t, res.Tests, 9, "%s: every scenario of both assignments", student)
		if student == "ann" {
			assert.Equal(t, res.MaxScore, *res.Score)
		}
	}

	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<h2 id=\"01-echo\">01-echo</h2>")
	assert.Contains(t, string(html), "<code>usage-server-no-port</code>")
	assert.Contains(t, string(html), `<a href="feedback/cid/report.txt">`)
	assert.Contains(t, string(html), "undefined: undefined")

	s := stdout.String()
	assert.Contains(t, s, "Graded 3 of 3 students in ")
	assert.Contains(t, s, "01-echo: mean score ")
	assert.Contains(t, s, "Hardest scenarios:\n  01-echo/")
	assert.Contains(t, s, "No submission:\n  ben: 01-echo, 02-upper\n  cid: 02-upper\n")
	assert.Contains(t, s, "Does not build:\n  cid: 01-echo/server: ")
	assert.Contains(t, s, "Wrote "+filepath.Join(out, "grades.csv")+", "+filepath.Join(out, "report.html")+
		" and each student's feedback in "+filepath.Join(out, "feedback", "<student>")+"/.\n")
	assert.Empty(t, stderr.String())

	t.Run("assignment", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		var stdout, stderr bytes.Buffer
		status := run([]string{"batch", "-testdata", c.Testdata(), "-assignment", "02-upper", "-out", out, dir}, &stdout, &stderr, noEnv)
		require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
		data, err := os.ReadFile(filepath.Join(out, "grades.csv"))
		require.NoError(t, err)
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 4, "%s", data)
		assert.Equal(t, []string{"student", "assignment", "score", "max", "status",
			"02-upper/upper-client", "02-upper/upper-server", "failed", "feedback"}, rows[0])
		assert.Equal(t, []string{"ann", "02-upper", "10", "10", "passed", "2", "3", "", "feedback/ann"}, rows[1])
		assert.Equal(t, "no submission", rows[3][4], "cid's 02-upper, though her 01-echo does not build")
		assert.NotContains(t, stdout.String(), "Does not build", "01-echo was not graded")
		assert.Contains(t, stdout.String(), "No submission:\n  ben: 02-upper\n  cid: 02-upper\n")
	})
}

// TestBatchCannotRun: status 2 when there is nothing to grade or no
// scenarios to grade it with, or the arguments are wrong; nothing is
// written then.
func TestBatchCannotRun(t *testing.T) {
	t.Parallel()
	testdata := coursetest.Fixture(t).Testdata()
	empty := t.TempDir()
	class := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(class, "ann", "01-echo"), 0o755))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no dir", []string{}, "usage: grader batch"},
		{"two dirs", []string{empty, empty}, "usage: grader batch"},
		{"bad flag", []string{"-no-such-flag", empty}, "no-such-flag"},
		{"no such dir", []string{filepath.Join(empty, "nope")}, "no such file or directory"},
		{"no submissions", []string{empty}, "no submissions"},
		{"no scenarios", []string{"-testdata", filepath.Join(empty, "nope"), class}, "no such file or directory"},
		{"no such assignment", []string{"-assignment", "99-nothing", class}, "99-nothing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr bytes.Buffer
			args := append([]string{"batch", "-testdata", testdata, "-out", out}, c.args...)
			assert.Equal(t, exitBroken, run(args, &stdout, &stderr, func(string) string { return "" }))
			assert.Contains(t, stderr.String(), c.want)
			assert.NoDirExists(t, out)
		})
	}
}

// TestBatchCannotWrite: outputs that cannot be written are status 2, and
// said on stderr; the summary is still printed.
func TestBatchCannotWrite(t *testing.T) {
	t.Parallel()
	c := coursetest.Fixture(t)
	class := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(class, "ann"), 0o755)) // no submission: nothing to build
	out := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(out, nil, 0o644))
	var stdout, stderr bytes.Buffer
	status := run([]string{"batch", "-testdata", c.Testdata(), "-out", out, class}, &stdout, &stderr, func(string) string { return "" })
	assert.Equal(t, exitBroken, status)
	assert.Contains(t, stderr.String(), "grader batch: cannot write the feedback of ann")
	assert.Contains(t, stderr.String(), "cannot write "+filepath.Join(out, "grades.csv"))
	assert.Contains(t, stdout.String(), "Graded 1 of 1 students")
	assert.NotContains(t, stdout.String(), "Wrote ")
}

// TestBatchRegistered: the batch command is one of the grader's commands.
func TestBatchRegistered(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, exitBroken, run(nil, &stderr, &stderr, func(string) string { return "" }))
	assert.True(t, strings.Contains(stderr.String(), "batch"), stderr.String())
}
