//go:build unix

package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchClass writes a class in a new directory: ann handed in the
// reference solutions, ben the skeletons, cid a server that does not
// compile. The batch's output directory is inside it, as an instructor
// might put it.
func batchClass(t *testing.T) string {
	t.Helper()
	needSolutions(t)
	dir := t.TempDir()
	for student, from := range map[string]string{"ann": "../solutions", "ben": "../assignments", "cid": "../solutions"} {
		for _, prog := range []string{"server", "client"} {
			data, err := os.ReadFile(filepath.Join(from, "01-stream", prog, "main.go"))
			require.NoError(t, err)
			writeFile(t, filepath.Join(dir, student, "01-stream", prog, "main.go"), data)
		}
	}
	writeFile(t, filepath.Join(dir, "cid", "01-stream", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))
	return dir
}

// TestBatchCommand grades a class with `grader batch`: it exits 0 though
// students failed, writes grades.csv and report.html, and prints the
// summary.
func TestBatchCommand(t *testing.T) {
	t.Parallel()
	dir := batchClass(t)
	out := filepath.Join(dir, "results") // inside DIR: not a student
	var stdout, stderr bytes.Buffer
	status := run([]string{"batch", "-testdata", "../testdata", "-out", out, "-j", "2", dir}, &stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)

	data, err := os.ReadFile(filepath.Join(out, "grades.csv"))
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4, "a header and a row per student:\n%s", data)
	assert.Equal(t, []string{"student", "assignment", "score", "max"}, rows[0][:4])
	assert.Equal(t, "01-stream/byte-stream-client", rows[0][4])
	var students []string
	for _, row := range rows[1:] {
		students = append(students, row[0])
		assert.Equal(t, "01-stream", row[1])
	}
	assert.Equal(t, []string{"ann", "ben", "cid"}, students, "the output directory is not a student")
	assert.Equal(t, rows[1][3], rows[1][2], "the reference earns every point")
	assert.Contains(t, []string{"100", "94"}, rows[1][3], "100 points, less the IPv6 scenarios where they cannot run")
	assert.Equal(t, "0", rows[2][2], "the skeletons earn nothing")
	assert.Contains(t, []string{"48", "45"}, rows[3][2], "a server that does not compile earns the client's points (less ipv6-client without IPv6)")

	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<h2 id=\"01-stream\">01-stream</h2>")
	assert.Contains(t, string(html), "<code>usage-client-args</code>")

	s := stdout.String()
	assert.Contains(t, s, "Graded 3 of 3 students in ")
	assert.Contains(t, s, "01-stream: mean score ")
	assert.Contains(t, s, "Hardest scenarios:\n  01-stream/")
	assert.Contains(t, s, "Wrote "+filepath.Join(out, "grades.csv")+" and "+filepath.Join(out, "report.html")+".\n")
	assert.Empty(t, stderr.String())
}

// TestBatchCannotRun: status 2 when there is nothing to grade or no
// scenarios to grade it with, or the arguments are wrong; nothing is
// written then.
func TestBatchCannotRun(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	class := batchClass(t)
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
			args := append([]string{"batch", "-testdata", "../testdata", "-out", out}, c.args...)
			assert.Equal(t, exitBroken, run(args, &stdout, &stderr, noEnv))
			assert.Contains(t, stderr.String(), c.want)
			assert.NoDirExists(t, out)
		})
	}
}

// TestBatchRegistered: the batch command is one of the grader's commands.
func TestBatchRegistered(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, exitBroken, run(nil, &stderr, &stderr, noEnv))
	assert.True(t, strings.Contains(stderr.String(), "batch"), stderr.String())
}
