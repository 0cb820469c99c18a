package report

import (
	"fmt"
	"io"
	"sync"

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
