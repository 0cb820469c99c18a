//go:build unix

package batch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/runner"
	"socklab/grader/scenario"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Shard{"": {}, "1/1": {1, 1}, "2/3": {2, 3}, "3/3": {3, 3}} {
		got, err := ParseShard(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, in, got.String())
	}
	for _, in := range []string{"0/3", "4/3", "3", "1/0", "a/b", "-1/3", "1/3/4", "/"} {
		_, err := ParseShard(in)
		assert.ErrorContains(t, err, "want K/N", in)
	}
}

// TestShardOf: whatever the class's size and the number of shards, each
// submission is in exactly one shard, and shards differ in size by one
// at most.
func TestShardOf(t *testing.T) {
	t.Parallel()
	for size := range 12 {
		var subs []Submission
		for i := range size {
			subs = append(subs, Submission{Student: fmt.Sprintf("s%02d", i)})
		}
		for n := 1; n <= 7; n++ {
			var all []Submission
			smallest, largest := size, 0
			for k := 1; k <= n; k++ {
				part := Shard{K: k, N: n}.Of(subs)
				all = append(all, part...)
				smallest, largest = min(smallest, len(part)), max(largest, len(part))
			}
			assert.Equal(t, subs, all, "%d students in %d shards: each once, in order", size, n)
			assert.LessOrEqual(t, largest-smallest, 1, "%d students in %d shards", size, n)
		}
	}
	assert.Len(t, Shard{}.Of(make([]Submission, 5)), 5, "no shard: the whole class")
}

// leasedPorts are the ports a reason may name: they differ from one run
// to the next.
var leasedPorts = regexp.MustCompile(`:\d{5}\b`)

// csvOf is the batch's grades.csv, ports aside.
func csvOf(t *testing.T, b *Batch) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, b.WriteCSV(&out))
	return leasedPorts.ReplaceAllString(out.String(), ":PORT")
}

// figures are the figures of a batch's Stats that do not depend on the
// run: counts, scores and statuses.
func figures(b *Batch) []string {
	var f []string
	for _, a := range b.Stats() {
		f = append(f, fmt.Sprintf("%s: graded %d, none %d, points %d/%d, full %d",
			a.Name, a.Graded, a.NoSubmission, a.Earned, a.Possible, a.Full))
		for _, s := range a.Scenarios {
			f = append(f, fmt.Sprintf("  %s: %d passed, %d failed (%d not run), %d skipped, %d errored",
				s.Scenario.Name, s.Passed, s.Failed, s.NotRun, s.Skipped, s.Errored))
		}
		for _, s := range a.Students {
			f = append(f, fmt.Sprintf("  %s: %d/%d %s", s.Student, s.Earned, s.Possible, s.Status()))
		}
	}
	return f
}

// TestShardsMergeToOneBatch grades the fixture class whole, and in 3
// shards, each written out and read back as grader merge does: the
// merged grades are the single run's.
func TestShardsMergeToOneBatch(t *testing.T) {
	coursetest.FixtureOnly(t)
	t.Parallel()
	c := coursetest.Fixture(t)
	dir, students := class(t, c)
	whole, err := Run(context.Background(), Options{Dir: dir, Testdata: c.Testdata(), Jobs: 2})
	require.NoError(t, err)
	require.Empty(t, whole.Broken())

	var shards []*Batch
	var outs []string
	for k := 1; k <= 3; k++ {
		b, err := Run(context.Background(), Options{Dir: dir, Testdata: c.Testdata(), Jobs: 2, Shard: Shard{K: k, N: 3}})
		require.NoError(t, err)
		assert.Equal(t, Shard{K: k, N: 3}, b.Shard)
		assert.Equal(t, len(students), b.ClassSize)
		out := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d", k))
		require.NoError(t, b.Write(out))
		var summary bytes.Buffer
		require.NoError(t, b.WriteSummary(&summary))
		assert.Contains(t, summary.String(), fmt.Sprintf("(shard %d/3 of a class of %d)", k, len(students)))

		back, err := Read(out)
		require.NoError(t, err)
		shards = append(shards, back)
		outs = append(outs, out)
	}
	// Read gives back the batch as it was written: its outputs are the same.
	for i, out := range outs {
		again := filepath.Join(t.TempDir(), "again")
		require.NoError(t, shards[i].Write(again))
		for _, file := range []string{CSVFile, HTMLFile, DataFile} {
			assert.Equal(t, readFile(t, filepath.Join(out, file)), readFile(t, filepath.Join(again, file)), "%s of shard %d", file, i+1)
		}
		for _, e := range shards[i].Entries {
			for _, file := range []string{ReportFile, ResultsFile} {
				assert.Equal(t, readFile(t, filepath.Join(out, FeedbackPath(e.Student), file)),
					readFile(t, filepath.Join(again, FeedbackPath(e.Student), file)), "%s of %s", file, e.Student)
			}
		}
	}

	merged, err := Merge([]*Batch{shards[2], shards[0], shards[1]}) // in any order
	require.NoError(t, err)
	assert.Empty(t, merged.Missing)
	var names []string
	for _, e := range merged.Entries {
		names = append(names, e.Student)
	}
	assert.Equal(t, students, names, "every student once, by name")
	assert.Equal(t, csvOf(t, whole), csvOf(t, merged), "the merged grades.csv is the single run's")
	assert.Equal(t, figures(whole), figures(merged), "and so are the report's figures")
	assert.Equal(t, Shard{}, merged.Shard)
	assert.False(t, merged.Started.After(shards[0].Started))

	out := t.TempDir()
	require.NoError(t, merged.Write(out))
	for _, s := range students {
		assert.FileExists(t, filepath.Join(out, FeedbackPath(s), ReportFile))
	}
	var summary bytes.Buffer
	require.NoError(t, merged.WriteSummary(&summary))
	assert.Contains(t, summary.String(), fmt.Sprintf("Graded %d of %d students in ", len(students), len(students)))
	assert.NotContains(t, summary.String(), "shard")

	// A shard left out is named, in the summary and the report.
	partial, err := Merge([]*Batch{shards[0], shards[2]})
	require.NoError(t, err)
	assert.Equal(t, []string{"2/3"}, partial.Missing)
	summary.Reset()
	require.NoError(t, partial.WriteSummary(&summary))
	assert.Contains(t, summary.String(), "Shards missing: 2/3.")
	var html bytes.Buffer
	require.NoError(t, partial.WriteHTML(&html))
	assert.Contains(t, html.String(), "Shards missing: 2/3.")
}

// TestMergeRefuses shards that do not fit together.
func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 5}}
	as := []scenario.Assignment{{Name: "01-echo", Scenarios: scs}}
	shard := func(k, n int, students ...string) *Batch {
		b := &Batch{Assignments: as, Shard: Shard{K: k, N: n}}
		for _, s := range students {
			b.Entries = append(b.Entries, Entry{Submission: Submission{Student: s}, Grade: grade(nil, scs)})
		}
		return b
	}
	_, err := Merge(nil)
	assert.Error(t, err)
	_, err = Merge([]*Batch{shard(1, 2, "ann"), shard(2, 2, "ann")})
	assert.ErrorContains(t, err, "ann is in batch 1 and batch 2")
	_, err = Merge([]*Batch{shard(1, 2, "ann"), shard(1, 2, "ben")})
	assert.ErrorContains(t, err, "shard 1/2 is given twice")
	_, err = Merge([]*Batch{shard(1, 2, "ann"), shard(2, 3, "ben")})
	assert.ErrorContains(t, err, "not parts of one split")
	other := shard(2, 2, "ben")
	other.Assignments = []scenario.Assignment{{Name: "01-echo", Scenarios: []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 6}}}}
	_, err = Merge([]*Batch{shard(1, 2, "ann"), other})
	assert.ErrorContains(t, err, "other scenarios")

	m, err := Merge([]*Batch{shard(2, 2, "ben", "cid"), shard(1, 2, "ann")})
	require.NoError(t, err)
	assert.Empty(t, m.Missing)
	assert.Equal(t, []string{"ann", "ben", "cid"}, slices.Collect(func(yield func(string) bool) {
		for _, e := range m.Entries {
			if !yield(e.Student) {
				return
			}
		}
	}))
}

// TestEmptyShard: a shard with no submission (more shards than students)
// grades nobody, writes empty grades, and merges.
func TestEmptyShard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ann"), 0o755))
	testdata := coursetest.Fixture(t).Testdata()
	var shards []*Batch
	for k := 1; k <= 2; k++ {
		b, err := Run(context.Background(), Options{Dir: dir, Testdata: testdata, Shard: Shard{K: k, N: 2}})
		require.NoError(t, err)
		out := t.TempDir()
		require.NoError(t, b.Write(out))
		back, err := Read(out)
		require.NoError(t, err)
		shards = append(shards, back)
	}
	assert.Empty(t, shards[0].Entries, "1 student, 2 shards: the first is empty")
	require.Len(t, shards[1].Entries, 1)
	m, err := Merge(shards)
	require.NoError(t, err)
	require.Len(t, m.Entries, 1)
	assert.Equal(t, "ann", m.Entries[0].Student)
	var summary bytes.Buffer
	require.NoError(t, shards[0].WriteSummary(&summary))
	assert.Contains(t, summary.String(), "Graded 0 of 0 students")
}

// TestReadRefuses what is not a batch's output.
func TestReadRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Read(dir)
	assert.ErrorContains(t, err, "the output directory of grader batch")
	writeFile(t, filepath.Join(dir, DataFile), `{"format": 99}`)
	_, err = Read(dir)
	assert.ErrorContains(t, err, "format 99")
	writeFile(t, filepath.Join(dir, DataFile), `not json`)
	_, err = Read(dir)
	assert.Error(t, err)
}

// TestReadKeepsBuildErrors: a build's error survives the round trip, as
// text.
func TestReadKeepsBuildErrors(t *testing.T) {
	t.Parallel()
	scs := []scenario.Scenario{{Assignment: "01-echo", Name: "a", Points: 5, Programs: []string{"server"}}}
	g := grade(map[string]runner.Status{"a": runner.Failed}, scs)
	g.Builds = []runner.Build{{Program: "server", Dir: "/s/01-echo/server", Err: fmt.Errorf("/s/01-echo/server does not compile"),
		Output: "main.go:3: undefined: x"}, {Program: "client", Dir: "/s/01-echo/client", Path: "/bin/client"}}
	b := &Batch{Assignments: []scenario.Assignment{{Name: "01-echo", Scenarios: scs}},
		Entries: []Entry{{Submission: Submission{Student: "s"}, Grade: g, Missing: []string{"01-echo/x"}}}}
	out := t.TempDir()
	require.NoError(t, b.Write(out))
	back, err := Read(out)
	require.NoError(t, err)
	require.Len(t, back.Entries, 1)
	bg := back.Entries[0].Grade
	require.Len(t, bg.Builds, 2)
	assert.EqualError(t, bg.Builds[0].Err, "/s/01-echo/server does not compile")
	assert.Equal(t, "main.go:3: undefined: x", bg.Builds[0].Output)
	assert.NoError(t, bg.Builds[1].Err)
	assert.Equal(t, "/bin/client", bg.Builds[1].Path)
	assert.Equal(t, []string{"01-echo/x"}, back.Entries[0].Missing)
	assert.Equal(t, g.Results, bg.Results)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
