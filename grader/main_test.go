//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// gradeSrc grades src against the real scenarios.
func gradeSrc(t *testing.T, src string) *runner.Grade {
	t.Helper()
	g, err := runner.Run(context.Background(), runner.Options{Src: src, Testdata: "../testdata"})
	require.NoError(t, err)
	require.NotEmpty(t, g.Results)
	return g
}

// TestReferenceScoresFull: every scenario passes on the reference
// solutions (or is skipped where the machine cannot run it).
func TestReferenceScoresFull(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	g := gradeSrc(t, "../solutions")
	for _, r := range g.Results {
		assert.Contains(t, []runner.Status{runner.Passed, runner.Skipped}, r.Status,
			"%s/%s on the reference:\n%s", r.Scenario.Assignment, r.Scenario.Name, r.Feedback)
	}
	earned, possible := g.Score()
	assert.Equal(t, possible, earned)
	assert.False(t, g.Errored())
}

// TestSkeletonsScoreZero: no scenario passes on the skeletons.
func TestSkeletonsScoreZero(t *testing.T) {
	t.Parallel()
	g := gradeSrc(t, "../assignments")
	for _, r := range g.Results {
		assert.Contains(t, []runner.Status{runner.Failed, runner.Skipped}, r.Status,
			"%s/%s passed on the skeleton", r.Scenario.Assignment, r.Scenario.Name)
		assert.NotEmpty(t, r.Feedback, "a failed scenario says why")
	}
	earned, _ := g.Score()
	assert.Zero(t, earned)
}

// TestPointsAddUp: each assignment is worth 100 points.
func TestPointsAddUp(t *testing.T) {
	assignments, err := scenario.Discover("../testdata", "")
	require.NoError(t, err)
	for _, a := range assignments {
		total := 0
		for _, sc := range a.Scenarios {
			total += sc.Points
		}
		assert.Equal(t, 100, total, "%s: points of all scenarios", a.Name)
	}
}

// TestCommandLine checks the exit statuses, the table and the results
// file of the grade command.
func TestCommandLine(t *testing.T) {
	needSolutions(t)
	t.Parallel()
	cases := []struct {
		name       string
		args       []string
		wantStatus int
		wantScore  string
		full       bool
	}{
		{"reference", []string{"-src", "../solutions"}, exitPassed, "Score: 100/100", true},
		{"skeleton", []string{"-src", "../assignments"}, exitFailed, "Score: 0/100", false},
		{"one assignment", []string{"-src", "../solutions", "-assignment", "01-stream"}, exitPassed, "Score: 100/100", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			results := filepath.Join(t.TempDir(), "out", "results.json")
			var stdout, stderr bytes.Buffer
			args := append([]string{"grade", "-testdata", "../testdata", "-results", results}, c.args...)
			status := run(args, &stdout, &stderr, noEnv)
			require.Equal(t, c.wantStatus, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			assert.Equal(t, c.wantScore, lines[len(lines)-1], "the score is the last line")

			var res report.Results
			data, err := os.ReadFile(results)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &res))
			assert.NotEmpty(t, res.Tests)
			total := 0
			for _, test := range res.Tests {
				total += test.MaxScore
				if c.full {
					assert.Equal(t, "passed", test.Status, test.Name)
					assert.Equal(t, test.MaxScore, test.Score, test.Name)
				} else {
					assert.Equal(t, "failed", test.Status, test.Name)
					assert.Zero(t, test.Score, test.Name)
					assert.Contains(t, test.Output, "FAIL", test.Name)
				}
			}
			assert.Equal(t, total, res.MaxScore)
		})
	}
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
	needSolutions(t)
	t.Parallel()
	src := t.TempDir()
	client, err := os.ReadFile("../solutions/01-stream/client/main.go")
	require.NoError(t, err)
	writeFile(t, filepath.Join(src, "01-stream", "client", "main.go"), client)
	writeFile(t, filepath.Join(src, "01-stream", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))

	g := gradeSrc(t, src)
	passedClientOnly := false
	for _, r := range g.Results {
		usesServer := false
		for _, p := range r.Scenario.Programs {
			usesServer = usesServer || p == "server"
		}
		if usesServer {
			assert.Equal(t, runner.Failed, r.Status, r.Scenario.Name)
			assert.Contains(t, r.Feedback, "undefined: undefined", r.Scenario.Name)
			assert.Contains(t, r.Reason, "does not compile", r.Scenario.Name)
		} else if r.Status == runner.Passed {
			passedClientOnly = true
		}
	}
	assert.True(t, passedClientOnly, "client-only scenarios still pass")

	var stdout bytes.Buffer
	require.NoError(t, report.Text(&stdout, g, false, 0))
	assert.Contains(t, stdout.String(), "does not compile")
	assert.Contains(t, stdout.String(), "undefined: undefined")
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// needSolutions skips a test that grades the reference solutions where
// there are none: in a student's copy of the course (make template).
func needSolutions(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../solutions"); err != nil {
		t.Skip("no solutions/ here: a student's copy of the course")
	}
}
