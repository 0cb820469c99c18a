//go:build unix

// Package batch grades a class: every submission in a directory, several
// at once, each with runner.Run, and turns the grades into what an
// instructor reads and hands back (Write): a CSV of every student's points
// and failures (WriteCSV), an HTML report of how hard each scenario was
// for the class and why each student lost points (WriteHTML), each
// student's feedback, as make grade gives it (WriteFeedback), and a short
// text summary (WriteSummary).
package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socklab/grader/runner"
	"socklab/grader/sandbox"
	"socklab/grader/scenario"
	"socklab/grader/seal"
)

// A Submission is one student's work.
type Submission struct {
	Student string // the name of the student's directory
	Dir     string // the student's directory
	Src     string // what is graded: Dir, or Dir/assignments when Dir is a whole repository
}

// Discover returns the submissions in dir, by student name: every
// subdirectory is one student's, shaped like assignments/ or a whole
// repository holding assignments/. Hidden directories, files, the
// directories in skip (the batch's own output directory, say) and those
// holding an earlier batch's outputs (grades.csv and report.html) are not
// submissions.
func Discover(dir string, skip ...string) ([]Submission, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	skipped := make(map[string]bool)
	for _, s := range skip {
		if abs, err := filepath.Abs(s); err == nil {
			skipped[abs] = true
		}
	}
	var subs []Submission
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := os.Stat(path); err != nil || !info.IsDir() { // follows symbolic links
			continue
		}
		if abs, err := filepath.Abs(path); (err == nil && skipped[abs]) || isOutput(path) {
			continue
		}
		s := Submission{Student: e.Name(), Dir: path, Src: path}
		if info, err := os.Stat(filepath.Join(path, "assignments")); err == nil && info.IsDir() {
			s.Src = filepath.Join(path, "assignments")
		}
		subs = append(subs, s)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("no submissions in %s: each student's work is a directory there", dir)
	}
	return subs, nil
}

// isOutput reports whether dir holds a batch's outputs.
func isOutput(dir string) bool {
	for _, f := range []string{CSVFile, HTMLFile} {
		if info, err := os.Stat(filepath.Join(dir, f)); err != nil || !info.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// Options says what to grade and how.
type Options struct {
	Dir        string // the submissions, one directory per student
	Testdata   string // the scenarios, shaped like testdata/
	Assignment string // grade only this assignment, if set
	// Jobs is how many submissions have their programs built at once,
	// the part of grading that needs the CPU; <= 0 picks DefaultJobs.
	Jobs int
	// InFlight is how many submissions are graded at once, building or
	// running their scenarios; <= 0 picks DefaultInFlight.
	InFlight int
	// ScenarioJobs is how many scenarios of one submission run at once;
	// <= 0 picks DefaultScenarioJobs.
	ScenarioJobs int
	// Skip lists directories in Dir that are not submissions.
	Skip []string
	// Shard, if set, is the part of the class to grade (see Shard.Of).
	Shard Shard
	// Progress, if set, is called after each submission, from any
	// goroutine, with how many have finished out of how many there are.
	Progress func(done, total int, e Entry)
}

// How a batch shares the machine, by default. Grading a submission is a
// burst of CPU, go build of each of its programs (runner.Run builds them
// in parallel), then scenarios that mostly wait on sockets, or on their
// time limits when the student's program hangs. So: few builds at once,
// enough to keep every CPU busy; many submissions at once, since those
// past their builds need next to no CPU; and every scenario of a
// submission at once, so that one that hangs takes the longest time limit
// of its scenarios (30 s), not several in a row.
//
// Measured on 2 CPUs with 100 distinct correct submissions: 33 s, of
// which the builds are 25 (7.7 s when the build cache has them all); one
// build slot per CPU was as fast as two or four, with fewer processes
// competing with the scenarios' one-second limits. A submission that
// hangs adds up to its longest time limit when it comes last: 61 s with
// two graded last.

// DefaultJobs is how many submissions are built at once by default.
func DefaultJobs() int { return runtime.NumCPU() }

// DefaultInFlight is how many submissions are graded at once by default.
func DefaultInFlight() int { return 16 * runtime.NumCPU() }

// DefaultScenarioJobs is how many scenarios of one submission run at once
// by default: more than any assignment has.
func DefaultScenarioJobs() int { return max(32, runner.DefaultJobs()) }

// An Entry is one graded submission.
type Entry struct {
	Submission
	Grade *runner.Grade // nil when it could not be graded at all
	// Err says why grading this submission broke, if it did: it could
	// not start, or it broke half-way (Grade then holds what it got).
	Err string
	// Missing are the programs the student did not hand in,
	// "<assignment>/<program>": no folder, or no Go file in it (see
	// Missing).
	Missing []string
}

// Broken reports whether the grade of the entry is not to be trusted
// whole: grading it could not start or run to the end, or the grader
// broke in a scenario.
func (e Entry) Broken() bool { return e.Err != "" || e.Grade == nil || e.Grade.Errored() }

// A Batch is a graded class.
type Batch struct {
	Dir         string
	Testdata    string
	Assignments []scenario.Assignment // what was graded, in order
	Entries     []Entry               // by student
	Seal        seal.Status           // of the scenarios and the grader
	Started     time.Time
	Duration    time.Duration
	// Interrupted says grading was stopped (Ctrl-C) before every
	// submission was graded.
	Interrupted bool
	// Shard is the part of the class graded, when it was graded in
	// shards; ClassSize is how many submissions the whole class has.
	Shard     Shard
	ClassSize int
	// Missing are the shards that a merged batch lacks (see Merge):
	// their students are not in it.
	Missing []string
}

// Run grades every submission in opts.Dir, each in a worker of its own
// (see worker.go). It returns an error only when grading cannot start (no
// submissions, no scenarios); a submission that does not build, hangs or
// crashes is that student's grade, and one that the grader could not
// grade (its worker killed, stopped or out of time among them) is marked
// in its Entry. When ctx ends, the workers stop and the other submissions
// are not graded.
func Run(ctx context.Context, opts Options) (*Batch, error) {
	b := &Batch{Dir: opts.Dir, Testdata: opts.Testdata, Started: time.Now()}
	defer func() { b.Duration = time.Since(b.Started) }()
	var err error
	if b.Assignments, err = scenario.Discover(opts.Testdata, opts.Assignment); err != nil {
		return b, err
	}
	if root, err := filepath.Abs(filepath.Dir(filepath.Clean(opts.Testdata))); err == nil {
		b.Seal = seal.Check(root)
	}
	subs, err := Discover(opts.Dir, opts.Skip...)
	if err != nil {
		return b, err
	}
	b.Shard, b.ClassSize = opts.Shard, len(subs)
	subs = opts.Shard.Of(subs)

	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs()
	}
	inFlight := opts.InFlight
	if inFlight <= 0 {
		inFlight = DefaultInFlight()
	}
	scenarioJobs := opts.ScenarioJobs
	if scenarioJobs <= 0 {
		scenarioJobs = DefaultScenarioJobs()
	}
	// A submission takes a slot in flight, then a build slot, which it
	// gives back once its programs are built or it is done. So the CPU
	// builds the next submissions while the scenarios of the others wait:
	// a submission that hangs until its scenarios' time limits holds a
	// slot in flight, not a build slot. Side by side only where workers
	// are isolated from one another (see worker.go): the first worker
	// says.
	building := make(chan struct{}, jobs)
	flying := make(chan struct{}, inFlight)
	b.Entries = make([]Entry, len(subs))
	started := make([]bool, len(subs))
	var done atomic.Int32
	var wg sync.WaitGroup
	acquire := func(slots chan struct{}) bool {
		if ctx.Err() != nil {
			return false
		}
		select {
		case slots <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	alone := true // until the first worker shows namespaces
	for i, s := range subs {
		if !acquire(flying) {
			break
		}
		if !acquire(building) {
			<-flying
			break
		}
		started[i] = true
		grade := func() {
			var once sync.Once
			built := func() { once.Do(func() { <-building }) }
			b.Entries[i] = gradeInWorker(ctx, s, opts, b.Assignments, scenarioJobs, built)
			b.Entries[i].Missing = Missing(s.Src, b.Assignments)
			built()
			<-flying
			if n := done.Add(1); opts.Progress != nil {
				opts.Progress(int(n), len(subs), b.Entries[i])
			}
		}
		if alone {
			grade()
			g := b.Entries[i].Grade
			alone = g == nil || g.Isolation != string(sandbox.Namespaces)
			continue
		}
		wg.Go(grade)
	}
	wg.Wait()
	for i, s := range subs {
		if !started[i] { // interrupted first
			b.Entries[i] = Entry{Submission: s, Err: "not graded: grading was interrupted"}
		}
	}
	b.Interrupted = ctx.Err() != nil
	return b, nil
}

// Missing returns the programs of the assignments that the submission in
// src (shaped like assignments/) does not hand in, "<assignment>/<program>":
// those whose folder is missing or holds no Go file (tests aside). What
// is there but does not compile is handed in.
func Missing(src string, assignments []scenario.Assignment) []string {
	var missing []string
	for _, a := range assignments {
		for _, prog := range a.Programs() {
			if !handedIn(filepath.Join(src, a.Name, prog)) {
				missing = append(missing, a.Name+"/"+prog)
			}
		}
	}
	return missing
}

// handedIn reports whether the folder holds a Go file that is not a test.
func handedIn(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !e.IsDir() {
			return true
		}
	}
	return false
}

// Broken returns the entries whose grade is not to be trusted whole.
func (b *Batch) Broken() []Entry {
	var broken []Entry
	for _, e := range b.Entries {
		if e.Broken() {
			broken = append(broken, e)
		}
	}
	return broken
}
