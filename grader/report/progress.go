package report

import (
	"fmt"
	"io"
	"sync"
	"time"

	"socklab/grader/runner"
)

// Progress keeps one line on a terminal up to date while scenarios run:
// how many have finished, how many failed, and the last one.
type Progress struct {
	w io.Writer

	mu       sync.Mutex
	done     int
	failed   int
	finished bool
}

// NewProgress returns a progress line that writes to w, a terminal.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w} }

// Update shows that r finished, done of total. It is safe to call from
// any goroutine.
func (p *Progress) Update(done, total int, r runner.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	if r.Status == runner.Failed || r.Status == runner.Errored {
		p.failed++
	}
	// \r and "erase line": the line is rewritten in place.
	fmt.Fprintf(p.w, "\r\x1b[K[%d/%d] %d failed · %s/%s %s", done, total, p.failed,
		r.Scenario.Assignment, r.Scenario.Name, statusWord(r.Status))
}

// Clear erases the line; later updates are ignored.
func (p *Progress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = true
	fmt.Fprint(p.w, "\r\x1b[K")
}

// Builds tells, on a stream people read, what the grader is building: a
// line for each program as its build starts, and, once, a note when
// builds go on for a while, as a machine's first build does (it compiles
// Go's standard library too), so that a long silence is explained.
type Builds struct {
	w     io.Writer
	after time.Duration

	mu     sync.Mutex
	active int
	timer  *time.Timer
}

// slowBuild is how long builds go on before Builds explains why.
const slowBuild = 3 * time.Second

// NewBuilds returns a Builds that writes to w.
func NewBuilds(w io.Writer) *Builds { return &Builds{w: w, after: slowBuild} }

// Update is runner.Options.Building: dir is starting to build, or done.
func (b *Builds) Update(dir string, done bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if done {
		b.active--
		return
	}
	b.active++
	fmt.Fprintf(b.w, "building %s\n", dir)
	if b.timer == nil {
		b.timer = time.AfterFunc(b.after, b.note)
	}
}

func (b *Builds) note() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active > 0 {
		fmt.Fprintln(b.w, "still building: the first build on a machine compiles Go's standard library too, "+
			"and takes up to a minute; later builds take a second, and unchanged programs none")
	}
}

// Stop ends the note's wait.
func (b *Builds) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
	}
}
