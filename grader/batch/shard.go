//go:build unix

package batch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// A class too large for one machine is graded in shards: each machine
// grades one of N equal parts of the submissions (grader batch -shard
// K/N), and grader merge joins their outputs into the grades and report
// of the whole class. Every batch writes DataFile beside its grades.csv:
// the grades whole, for merge to read.

// DataFile is the file of a batch's output directory that holds its
// grades whole, for grader merge (Read, Merge).
const DataFile = "batch.json"

// dataFormat is the version of DataFile's format.
const dataFormat = 1

// A Shard is the part of a class one batch grades: the K-th of N (K
// from 1), or the whole class when N is 0.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// ParseShard reads a shard, "K/N" with 1 <= K <= N; "" is the whole
// class.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	k, n, ok := strings.Cut(s, "/")
	kn, err1 := strconv.Atoi(k)
	nn, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || nn < 1 || kn < 1 || kn > nn {
		return Shard{}, fmt.Errorf("shard %q: want K/N, the K-th of N parts, 1 <= K <= N (1/3, 2/3, 3/3)", s)
	}
	return Shard{K: kn, N: nn}, nil
}

// String is the shard as ParseShard reads it, or "" for the whole class.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Of returns the shard's part of subs, which are in a stable order (by
// name, as Discover returns them): the K-th of N contiguous parts whose
// sizes differ by one at most. Every submission is in exactly one of the
// N parts, whichever machine computes them.
func (s Shard) Of(subs []Submission) []Submission {
	if s.N == 0 {
		return subs
	}
	return subs[(s.K-1)*len(subs)/s.N : s.K*len(subs)/s.N]
}

// data is what DataFile holds.
type data struct {
	Format      int                   `json:"format"`
	Dir         string                `json:"dir"`
	Testdata    string                `json:"testdata"`
	Shard       Shard                 `json:"shard"`
	ClassSize   int                   `json:"class_size"`
	Assignments []scenario.Assignment `json:"assignments"`
	Seal        seal.Status           `json:"seal"`
	Started     time.Time             `json:"started"`
	Duration    time.Duration         `json:"duration"`
	Interrupted bool                  `json:"interrupted"`
	Entries     []entryData           `json:"entries"`
}

// entryData is an Entry in DataFile.
type entryData struct {
	Submission
	Grade   *gradeData `json:"grade,omitempty"`
	Err     string     `json:"err,omitempty"`
	Missing []string   `json:"missing,omitempty"`
}

// gradeData is a runner.Grade in DataFile: all of its fields, with the
// builds' errors as text (its Builds hides the Grade's, both ways).
type gradeData struct {
	*runner.Grade
	Builds []buildData
}

// buildData is a runner.Build with its error as text.
type buildData struct {
	Program  string
	Dir      string
	Path     string
	Err      string `json:",omitempty"`
	Output   string
	Cached   bool
	Duration time.Duration
}

// writeData writes the batch's DataFile in out.
func (b *Batch) writeData(out string) error {
	d := data{Format: dataFormat, Dir: b.Dir, Testdata: b.Testdata, Shard: b.Shard, ClassSize: b.ClassSize,
		Assignments: b.Assignments, Seal: b.Seal, Started: b.Started, Duration: b.Duration,
		Interrupted: b.Interrupted, Entries: []entryData{}}
	for _, e := range b.Entries {
		d.Entries = append(d.Entries, entryData{Submission: e.Submission, Err: e.Err, Missing: e.Missing,
			Grade: encodeGrade(e.Grade)})
	}
	return report.WriteJSON(filepath.Join(out, DataFile), d)
}

// encodeGrade returns g as it is written in JSON (nil for nil).
func encodeGrade(g *runner.Grade) *gradeData {
	if g == nil {
		return nil
	}
	gd := &gradeData{Grade: g, Builds: []buildData{}}
	for _, bd := range g.Builds {
		x := buildData{Program: bd.Program, Dir: bd.Dir, Path: bd.Path, Output: bd.Output, Cached: bd.Cached, Duration: bd.Duration}
		if bd.Err != nil {
			x.Err = bd.Err.Error()
		}
		gd.Builds = append(gd.Builds, x)
	}
	return gd
}

// decodeGrade returns the grade that gd holds, or nil.
func decodeGrade(gd *gradeData) *runner.Grade {
	if gd == nil || gd.Grade == nil {
		return nil
	}
	g := gd.Grade
	g.Builds = nil
	for _, x := range gd.Builds {
		bd := runner.Build{Program: x.Program, Dir: x.Dir, Path: x.Path, Output: x.Output, Cached: x.Cached, Duration: x.Duration}
		if x.Err != "" {
			bd.Err = errors.New(x.Err)
		}
		g.Builds = append(g.Builds, bd)
	}
	return g
}

// Read reads the batch whose outputs are in dir, from its DataFile.
func Read(dir string) (*Batch, error) {
	raw, err := os.ReadFile(filepath.Join(dir, DataFile))
	if err != nil {
		return nil, fmt.Errorf("%w (is %s the output directory of grader batch?)", err, dir)
	}
	var d data
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, DataFile), err)
	}
	if d.Format != dataFormat {
		return nil, fmt.Errorf("%s: format %d, want %d (written by another version of the grader)",
			filepath.Join(dir, DataFile), d.Format, dataFormat)
	}
	b := &Batch{Dir: d.Dir, Testdata: d.Testdata, Shard: d.Shard, ClassSize: d.ClassSize, Assignments: d.Assignments,
		Seal: d.Seal, Started: d.Started.Local(), Duration: d.Duration, Interrupted: d.Interrupted}
	for _, ed := range d.Entries {
		b.Entries = append(b.Entries, Entry{Submission: ed.Submission, Err: ed.Err, Missing: ed.Missing,
			Grade: decodeGrade(ed.Grade)})
	}
	return b, nil
}

// Merge joins batches that graded parts of one class (shards) into the
// batch of the whole class, its entries by student. They must have been
// graded against the same scenarios, and no student may be in two. The
// merged batch started when the first did and took until the last one
// ended; it is sealed if each was, and interrupted if any was. Shards of
// the N that none of the batches is are listed in Missing.
func Merge(batches []*Batch) (*Batch, error) {
	if len(batches) == 0 {
		return nil, errors.New("no batches to merge")
	}
	first := batches[0]
	m := &Batch{Dir: first.Dir, Testdata: first.Testdata, Assignments: first.Assignments, Seal: first.Seal,
		Started: first.Started}
	end := first.Started.Add(first.Duration)
	seen := map[string]int{} // student -> batch
	shards := map[Shard]bool{}
	for i, b := range batches {
		if !sameScenarios(b.Assignments, first.Assignments) {
			return nil, fmt.Errorf("batch %d was graded with other scenarios than batch 1 (%s): grade every shard with the same course",
				i+1, assignmentNames(first.Assignments))
		}
		if b.Shard.N != 0 {
			if shards[b.Shard] {
				return nil, fmt.Errorf("shard %s is given twice", b.Shard)
			}
			if b.Shard.N != first.Shard.N {
				return nil, fmt.Errorf("shard %s and shard %s are not parts of one split", b.Shard, first.Shard)
			}
			shards[b.Shard] = true
		}
		for _, e := range b.Entries {
			if j, ok := seen[e.Student]; ok {
				return nil, fmt.Errorf("%s is in batch %d and batch %d", report.Clean(e.Student), j+1, i+1)
			}
			seen[e.Student] = i
			m.Entries = append(m.Entries, e)
		}
		if b.Started.Before(m.Started) {
			m.Started = b.Started
		}
		if t := b.Started.Add(b.Duration); t.After(end) {
			end = t
		}
		m.Interrupted = m.Interrupted || b.Interrupted
		if !b.Seal.Sealed && m.Seal.Sealed {
			m.Seal = b.Seal
		}
		m.ClassSize = max(m.ClassSize, b.ClassSize)
	}
	if n := first.Shard.N; n > 0 {
		for k := 1; k <= n; k++ {
			if s := (Shard{K: k, N: n}); !shards[s] {
				m.Missing = append(m.Missing, s.String())
			}
		}
	}
	m.Duration = end.Sub(m.Started)
	slices.SortStableFunc(m.Entries, func(a, b Entry) int { return strings.Compare(a.Student, b.Student) })
	return m, nil
}

// sameScenarios reports whether two batches graded the same assignments,
// scenarios and points.
func sameScenarios(a, b []scenario.Assignment) bool {
	return slices.EqualFunc(a, b, func(x, y scenario.Assignment) bool {
		return x.Name == y.Name && x.Total == y.Total &&
			slices.EqualFunc(x.Scenarios, y.Scenarios, func(s, t scenario.Scenario) bool {
				return s.Name == t.Name && s.Points == t.Points
			})
	})
}

func assignmentNames(as []scenario.Assignment) string {
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}
