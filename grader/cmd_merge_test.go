//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
)

// TestShardsAndMerge grades the fixture class with one grader batch, and
// again in 3 shards (grader batch -shard K/3, as the jobs of an Actions
// matrix or a Slurm array would) joined by grader merge: the grades are
// the same, and every student has feedback.
func TestShardsAndMerge(t *testing.T) {
	t.Parallel()
	c := coursetest.Fixture(t)
	dir := batchClass(t, c)
	tmp := t.TempDir()
	batchRun := func(out string, extra ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args := append([]string{"batch", "-testdata", c.Testdata(), "-out", out, "-j", "2"}, extra...)
		status := run(append(args, dir), &stdout, &stderr, noEnv)
		require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
		return stdout.String()
	}
	batchRun(filepath.Join(tmp, "whole"))
	var shards []string
	for k := 1; k <= 3; k++ {
		out := filepath.Join(tmp, fmt.Sprintf("shard-%d", k))
		summary := batchRun(out, "-shard", fmt.Sprintf("%d/3", k))
		assert.Contains(t, summary, "Graded 1 of 1 students in ", "3 students, 3 shards")
		assert.Contains(t, summary, fmt.Sprintf("(shard %d/3 of a class of 3)", k))
		shards = append(shards, out)
	}

	merged := filepath.Join(tmp, "merged")
	var stdout, stderr bytes.Buffer
	status := run(append([]string{"merge", "-out", merged}, shards...), &stdout, &stderr, noEnv)
	require.Equal(t, exitPassed, status, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	assert.Contains(t, stdout.String(), "Graded 3 of 3 students in ")
	assert.Contains(t, stdout.String(), "Wrote "+filepath.Join(merged, "grades.csv"))
	assert.Equal(t, gradesCSV(t, filepath.Join(tmp, "whole")), gradesCSV(t, merged), "the merge's grades are one batch's")
	for _, student := range []string{"ann", "ben", "cid"} {
		assert.FileExists(t, filepath.Join(merged, "feedback", student, "report.txt"))
	}
	assert.FileExists(t, filepath.Join(merged, "report.html"))

	// A missing shard: what there is is merged, and the status says the
	// grades are not whole.
	stdout.Reset()
	status = run([]string{"merge", "-out", filepath.Join(tmp, "partial"), shards[0], shards[2]}, &stdout, &stderr, noEnv)
	assert.Equal(t, exitBroken, status)
	assert.Contains(t, stdout.String(), "Shards missing: 2/3.")
	assert.FileExists(t, filepath.Join(tmp, "partial", "grades.csv"))
}

// gradesCSV is the grades.csv in dir, the ports leased to scenarios,
// which differ from one run to the next, aside.
func gradesCSV(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "grades.csv"))
	require.NoError(t, err)
	return regexp.MustCompile(`:\d{5}\b`).ReplaceAllString(string(data), ":PORT")
}

// TestMergeCannotRun: status 2, and why, when there is nothing to merge
// or the shards do not fit together.
func TestMergeCannotRun(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no shard", nil, "usage: grader merge"},
		{"not a batch", []string{empty}, "the output directory of grader batch"},
		{"bad flag", []string{"-no-such-flag"}, "no-such-flag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitBroken, run(append([]string{"merge", "-out", out}, c.args...), &stdout, &stderr, noEnv))
			assert.Contains(t, stderr.String(), c.want)
			assert.NoDirExists(t, out)
		})
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitBroken, run([]string{"batch", "-shard", "4/3", empty}, &stdout, &stderr, noEnv))
	assert.Contains(t, stderr.String(), "want K/N")
	stderr.Reset()
	assert.Equal(t, exitBroken, run(nil, &stdout, &stderr, noEnv))
	assert.True(t, strings.Contains(stderr.String(), "merge"), "merge is one of the grader's commands")
}
