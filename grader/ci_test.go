//go:build unix

package main

// Tests of the course-platform entry points around the grader: Gradescope's
// run_autograder and `make grade GRADER_REF=...`. They run the real scripts
// and make, on copies of this repository's work tree (uncommitted changes
// included).

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ciResults is what these tests read of a results.json.
type ciResults struct {
	Score    *float64 `json:"score"`
	MaxScore float64  `json:"max_score"`
	Output   string   `json:"output"`
}

// TestGradescopeRunAutograder runs .gradescope/run_autograder the way
// Gradescope does, on submissions of every accepted shape.
func TestGradescopeRunAutograder(t *testing.T) {
	needSolutions(t)
	needTools(t, "bash", "make")
	t.Parallel()
	repo := repoRoot(t)
	one := firstAssignment(t, filepath.Join(repo, "solutions"))
	cases := []struct {
		name       string
		assignment string                         // ASSIGNMENT for run_autograder
		submit     func(t *testing.T, sub string) // fills the submission
		want       string                         // full, zero (of max_score > 0), or refused (nothing graded)
		output     string                         // results.json's output contains this
	}{
		{"whole repository", "", func(t *testing.T, sub string) {
			copyTree(t, repo, sub)
			require.NoError(t, os.RemoveAll(filepath.Join(sub, "assignments")))
			copyTree(t, filepath.Join(repo, "solutions"), filepath.Join(sub, "assignments"))
		}, "full", ""},
		{"assignment folders", "", func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(repo, "solutions"), sub)
		}, "full", ""},
		{"one assignment's folder", one, func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(repo, "solutions", one), sub)
		}, "full", ""},
		{"skeletons", "", func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(repo, "assignments"), filepath.Join(sub, "assignments"))
		}, "zero", ""},
		{"one assignment's folder without ASSIGNMENT", "", func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(repo, "solutions", one), sub)
		}, "refused", "server/ and client/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			// source is the repository itself, as the autograder zip unpacks it.
			require.NoError(t, os.Symlink(repo, filepath.Join(root, "source")))
			c.submit(t, filepath.Join(root, "submission"))

			env := append(cleanEnv(), "AUTOGRADER_ROOT="+root, "ASSIGNMENT="+c.assignment)
			out, err := runIn(t, repo, env, "bash", filepath.Join(repo, ".gradescope", "run_autograder"))
			require.NoError(t, err, "run_autograder exits 0 once results.json is written:\n%s", out)

			res := readResults(t, filepath.Join(root, "results", "results.json"), out)
			require.NotNil(t, res.Score, "results.json has a score:\n%s", out)
			switch c.want {
			case "full":
				assert.Positive(t, res.MaxScore, out)
				assert.Equal(t, res.MaxScore, *res.Score, "full marks:\n%s", out)
			case "zero":
				assert.Positive(t, res.MaxScore, out)
				assert.Zero(t, *res.Score, out)
			case "refused":
				assert.Zero(t, res.MaxScore, out)
				assert.Zero(t, *res.Score, out)
			}
			assert.Contains(t, res.Output, c.output)
		})
	}
}

// TestGraderRefIgnoresLocalScenarios: `make grade GRADER_REF=REF` grades
// with REF's grader and scenarios, however the local ones were edited. The
// local scenarios are cut to their headers, so that they pass anything;
// the skeletons must still score 0, as they do against the reference.
func TestGraderRefIgnoresLocalScenarios(t *testing.T) {
	needTools(t, "make", "git")
	t.Parallel()
	repo := repoRoot(t)
	tmp := t.TempDir()

	local := filepath.Join(tmp, "local")
	copyTree(t, repo, local)
	scenarios, err := filepath.Glob(filepath.Join(local, "testdata", "*", "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, scenarios)
	for _, sc := range scenarios {
		data, err := os.ReadFile(sc)
		require.NoError(t, err)
		header, _, _ := strings.Cut(string(data), "\n\n")
		require.NoError(t, os.WriteFile(sc, []byte(header+"\n"), 0o644))
	}
	results := filepath.Join(local, "results", "results.json")

	// The tampering works: graded locally, the skeletons get full marks.
	out, err := runIn(t, local, cleanEnv(), "make", "grade")
	require.NoError(t, err, "the tampered scenarios pass the skeletons:\n%s", out)
	res := readResults(t, results, out)
	require.Positive(t, res.MaxScore, out)
	require.Equal(t, res.MaxScore, *res.Score, out)

	// The reference: a plain directory (copied) and a git repository (cloned).
	plain := filepath.Join(tmp, "ref-dir")
	copyTree(t, repo, plain)
	gitRef := filepath.Join(tmp, "ref-git")
	copyTree(t, repo, gitRef)
	git := []string{"-C", gitRef, "-c", "user.name=socklab", "-c", "user.email=socklab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "reference"}} {
		out, err := runIn(t, tmp, cleanEnv(), "git", append(git, args...)...)
		require.NoError(t, err, out)
	}

	for _, ref := range []string{plain, gitRef} {
		t.Run(filepath.Base(ref), func(t *testing.T) {
			require.NoError(t, os.Remove(results))
			out, err := runIn(t, local, cleanEnv(), "make", "grade", "GRADER_REF="+ref)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the skeletons fail, so make grade fails:\n%s", out)

			res := readResults(t, results, out)
			assert.Positive(t, res.MaxScore, out)
			assert.Zero(t, *res.Score, "graded by the reference's scenarios:\n%s", out)
			assert.Contains(t, out, "Score: 0/")
			assert.NoFileExists(t, filepath.Join(local, ".grader-ref", "results", "results.json"),
				"the results go to the local RESULTS, not the reference's copy")
		})
	}
}

// needTools skips the test when a command it runs is not installed.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("no %s here: %v", name, err)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// firstAssignment names the first assignment in dir.
func firstAssignment(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			return e.Name()
		}
	}
	t.Fatalf("no assignment in %s", dir)
	return ""
}

// cleanEnv is this process's environment without what would change what
// make or the grader do: make's own variables, the Makefile's, and GitHub
// Actions' (the grader would write into this CI run's outputs).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GITHUB_"), strings.HasPrefix(name, "MAKE"),
			name == "MFLAGS", name == "SRC", name == "ASSIGNMENT", name == "RESULTS",
			name == "GRADER_REF", name == "AUTOGRADER_ROOT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runIn runs a command in dir with env, bounded in time, and returns its
// stdout and stderr together.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "%s %s timed out:\n%s", name, strings.Join(args, " "), out)
	return string(out), err
}

func readResults(t *testing.T, path, log string) ciResults {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "results.json is written:\n%s", log)
	var res ciResults
	require.NoError(t, json.Unmarshal(data, &res), "results.json is JSON:\n%s", data)
	require.NotNil(t, res.Score, "results.json has a score:\n%s", data)
	return res
}

// copyTree copies the directory src to dst (created), keeping modes and
// symbolic links, and leaving out what git ignores at the top of the
// repository: .git, results/, .grader-ref/.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		switch rel {
		case ".git", "results", ".grader-ref":
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil // sockets and such: not part of the work tree
	})
	require.NoError(t, err)
}
