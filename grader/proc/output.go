package proc

import (
	"context"
	"errors"
	"regexp"
	"sync"
)

// Output records what a program writes to one stream, keeping at most a
// fixed number of bytes. Whatever comes beyond the cap is counted and
// dropped, so a program that floods its output cannot take the grader's
// memory with it. Output is safe for concurrent use.
type Output struct {
	mu      sync.Mutex
	buf     []byte
	cap     int
	dropped int64
	changed chan struct{} // closed and replaced on every write and at close
	closed  bool
}

// NewOutput returns an Output that keeps the first max bytes.
func NewOutput(max int) *Output {
	return &Output{cap: max, changed: make(chan struct{})}
}

// Write implements io.Writer. It never fails: bytes past the cap are dropped.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	keep := min(len(p), o.cap-len(o.buf))
	o.buf = append(o.buf, p[:keep]...)
	o.dropped += int64(len(p) - keep)
	if keep > 0 {
		o.notify()
	}
	return len(p), nil
}

// Close marks the stream finished: the program exited.
func (o *Output) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.notify()
}

func (o *Output) notify() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// String returns what was kept so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf)
}

// Dropped returns how many bytes went past the cap.
func (o *Output) Dropped() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// Errors of WaitMatch.
var (
	ErrNoMatch = errors.New("the program exited without printing it")
	ErrFull    = errors.New("the program printed more than the grader keeps without printing it")
)

// WaitMatch waits until what was written matches re (in multi-line mode,
// as testscript's stdout and stderr commands do), the stream closes, the
// cap is reached (nothing after it could match), or ctx ends.
func (o *Output) WaitMatch(ctx context.Context, re *regexp.Regexp) error {
	for {
		o.mu.Lock()
		matched := re.Match(o.buf)
		closed, full, changed := o.closed, o.dropped > 0, o.changed
		o.mu.Unlock()
		switch {
		case matched:
			return nil
		case closed:
			return ErrNoMatch
		case full:
			return ErrFull
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
