//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/script"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// gradeSrc grades src, a submission shaped like the fixture course's
// assignments/, against the fixture course's scenarios.
func gradeSrc(t *testing.T, src string) *runner.Grade {
	t.Helper()
	g, err := runner.Run(context.Background(), runner.Options{Src: src, Testdata: coursetest.Fixture(t).Testdata()})
	require.NoError(t, err)
	require.NotEmpty(t, g.Results)
	return g
}

// TestCommandLine checks the exit statuses, the table and the results
// file of the grade command, on the fixture course: 01-echo is worth the
// sum of its scenarios' points (19), 02-upper is scaled to its total (10).
func TestCommandLine(t *testing.T) {
	t.Parallel()
	course := coursetest.Fixture(t)
	ipv6, _ := script.Condition("ipv6")
	full := "Score: 29/29"
	if !ipv6 {
		full = "Score: 27/27" // ipv6-server is skipped
	}
	cases := []struct {
		name       string
		args       []string
		wantStatus int
		wantScore  string
		full       bool
	}{
		{"reference", []string{"-src", course.Solutions()}, exitPassed, full, true},
		{"skeleton", []string{"-src", course.Assignments()}, exitFailed, "Score: 0/" + strings.Split(full, "/")[1], false},
		{"one assignment", []string{"-src", course.Solutions(), "-assignment", "02-upper"}, exitPassed, "Score: 10/10", true},
		{"some scenarios", []string{"-src", course.Solutions(), "-run", "^echo-|upper-server"}, exitPassed, "Score: 20/20", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			results := filepath.Join(t.TempDir(), "out", "results.json")
			var stdout, stderr bytes.Buffer
			args := append([]string{"grade", "-testdata", course.Testdata(), "-results", results}, c.args...)
			status := run(args, &stdout, &stderr, noEnv)
			require.Equal(t, c.wantStatus, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			assert.Equal(t, c.wantScore, lines[len(lines)-1], "the score is the last line")

			var res report.Results
			data, err := os.ReadFile(results)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &res))
			assert.NotEmpty(t, res.Tests)
			for _, test := range res.Tests {
				if test.MaxScore == 0 {
					continue // skipped here
				}
				if c.full {
					assert.Equal(t, "passed", test.Status, test.Name)
					assert.Equal(t, test.MaxScore, test.Score, test.Name)
				} else {
					assert.Equal(t, "failed", test.Status, test.Name)
					assert.Zero(t, test.Score, test.Name)
					assert.Contains(t, test.Output, "FAIL", test.Name)
				}
			}
		})
	}
	t.Run("no scenario matches", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		status := run([]string{"grade", "-testdata", course.Testdata(), "-src", course.Solutions(), "-run", "nothing-like-it",
			"-results", filepath.Join(t.TempDir(), "results.json")}, &stdout, &stderr, noEnv)
		assert.Equal(t, exitBroken, status)
		assert.Contains(t, stdout.String(), `no scenario matches -run "nothing-like-it"`)
	})
}

// TestBrokenGrading: when grading cannot run, the status is 2 and the
// results file is still written, saying why.
func TestBrokenGrading(t *testing.T) {
	t.Parallel()
	results := filepath.Join(t.TempDir(), "results.json")
	var stdout, stderr bytes.Buffer
	status := run([]string{"grade", "-testdata", "no-such-dir", "-results", results}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitBroken, status)
	data, err := os.ReadFile(results)
	require.NoError(t, err)
	var res report.Results
	require.NoError(t, json.Unmarshal(data, &res))
	assert.Contains(t, res.Output, "no-such-dir")
	assert.Contains(t, stdout.String(), "Score: 0/0")

	assert.Equal(t, exitBroken, run(nil, &stdout, &stderr, noEnv))
	assert.Equal(t, exitBroken, run([]string{"nonsense"}, &stdout, &stderr, noEnv))
	assert.Equal(t, exitBroken, run([]string{"grade", "-no-such-flag"}, &stdout, &stderr, noEnv))
}

// TestCompileError: a program that does not compile fails the scenarios
// that start it, with the compiler's message, and the other program is
// still graded. The submission lives outside the module, as a handed-in
// copy would.
func TestCompileError(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	require.NoError(t, os.CopyFS(src, os.DirFS(coursetest.Fixture(t).Solutions())))
	writeFile(t, filepath.Join(src, "01-echo", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))

	g := gradeSrc(t, src)
	passedOthers := false
	for _, r := range g.Results {
		if slices.Contains(r.Scenario.Programs, "server") && r.Scenario.Assignment == "01-echo" {
			assert.Equal(t, runner.Failed, r.Status, r.Scenario.Name)
			assert.Contains(t, r.Feedback, "undefined: undefined", r.Scenario.Name)
			assert.Contains(t, r.Reason, "does not compile", r.Scenario.Name)
		} else if r.Status == runner.Passed {
			passedOthers = true
		}
	}
	assert.True(t, passedOthers, "the client's scenarios, and 02-upper's, still pass")

	var stdout bytes.Buffer
	require.NoError(t, report.Text(&stdout, g, false, 0))
	assert.Contains(t, stdout.String(), "does not compile")
	assert.Equal(t, 1, strings.Count(stdout.String(), "undefined: undefined"), "the compiler's message, once")
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// needSolutions skips a test that grades the live course's reference
// solutions where there are none: in a student's copy of the course (make
// template).
func needSolutions(t *testing.T) {
	t.Helper()
	coursetest.Live(t)
}
