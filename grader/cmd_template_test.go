//go:build unix

package main

// The template subcommand's own tests; package template has the rest.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/report"
	"socklab/grader/seal"
)

// templateRun runs grader template and returns its status and outputs.
func templateRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run(append([]string{"template"}, args...), &stdout, &stderr, noEnv)
	return status, stdout.String(), stderr.String()
}

// templateGitIn runs git in dir, with an identity, and returns its output.
func templateGitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := runIn(t, dir, cleanEnv(), "git", append([]string{"-c", "user.name=socklab", "-c", "user.email=socklab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	require.NoError(t, err, "git %s:\n%s", strings.Join(args, " "), out)
	return out
}

// templateSealedCourse copies the live course's work tree to a new
// directory, seals it as it is, and commits it all to a new git repository
// there.
func templateSealedCourse(t *testing.T, live coursetest.Course) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "course")
	copyTree(t, live.Root, src)
	require.NoError(t, seal.Write(src))
	templateGitIn(t, src, "init", "-q")
	templateGitIn(t, src, "add", "-A")
	templateGitIn(t, src, "commit", "-q", "-m", "the course")
	return src
}

// TestTemplate makes the template of a sealed copy of the live course with
// the subcommand: its skeletons graded against its own scenarios score 0
// with sealed: true. It skips in a student's copy, whose assignments/ are
// the student's work, not the skeletons.
func TestTemplate(t *testing.T) {
	live := coursetest.Live(t)
	needTools(t, "git")
	t.Parallel()
	src := templateSealedCourse(t, live)
	dest := filepath.Join(t.TempDir(), "template")

	status, stdout, stderr := templateRun(t, "-root", src, "-dest", dest)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "wrote "+dest+": ")
	assert.Contains(t, stdout, "sealed: true")
	assert.NoDirExists(t, filepath.Join(dest, "solutions"))
	assert.Equal(t, "socklab: the student template", strings.TrimSpace(templateGitIn(t, dest, "log", "--format=%s")))

	results := filepath.Join(t.TempDir(), "results.json")
	var gout, gerr bytes.Buffer
	status = run([]string{"grade", "-src", filepath.Join(dest, "assignments"), "-testdata", filepath.Join(dest, "testdata"),
		"-results", results}, &gout, &gerr, noEnv)
	assert.Equal(t, exitFailed, status, "the skeletons fail:\n%s\n%s", &gout, &gerr)
	lines := strings.Split(strings.TrimSpace(gout.String()), "\n")
	assert.Regexp(t, `^Score: 0/[1-9][0-9]*$`, lines[len(lines)-1])
	assert.NotContains(t, gout.String(), "sealed: false")
	data, err := os.ReadFile(results)
	require.NoError(t, err)
	var res report.Results
	require.NoError(t, json.Unmarshal(data, &res))
	assert.True(t, res.ExtraData.Sealed, "results.json says sealed: true")
	assert.Empty(t, res.ExtraData.Changed)
	assert.Positive(t, res.MaxScore)
	assert.Zero(t, res.Score)
}

func TestTemplateCommandLine(t *testing.T) {
	status, _, stderr := templateRun(t)
	assert.Equal(t, exitBroken, status)
	assert.Contains(t, stderr, "usage: grader template -dest DIR")

	status, _, stderr = templateRun(t, "-dest", t.TempDir(), "extra")
	assert.Equal(t, exitBroken, status)
	assert.Contains(t, stderr, `grader template: unexpected arguments ["extra"]`)

	status, _, stderr = templateRun(t, "-root", t.TempDir(), "-dest", filepath.Join(t.TempDir(), "x"))
	assert.Equal(t, exitFailed, status)
	assert.Contains(t, stderr, "grader template: ")
	assert.Contains(t, stderr, "is not the course repository")
}
