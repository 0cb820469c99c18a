package script

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// recorder is the testscript.T that runs one scenario outside go test and
// records its outcome and log.
type recorder struct {
	mu      sync.Mutex
	log     strings.Builder
	failed  bool
	skipped string // why the scenario skipped itself, if it did
	crash   string // a panic in the grader itself, with its stack
}

// stop is what FailNow and Skip panic with: testscript wants them not to
// return. Run recovers it.
type stop struct{}

var _ testscript.T = (*recorder)(nil)

func (r *recorder) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.WriteString(fmt.Sprintln(args...))
}

func (r *recorder) Fatal(args ...any) {
	r.Log(args...)
	r.FailNow()
}

func (r *recorder) FailNow() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	panic(stop{})
}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprint(args...)
	if r.skipped == "" {
		r.skipped = "skipped"
	}
	r.mu.Unlock()
	panic(stop{})
}

// Parallel does nothing: the runner runs scenarios in parallel itself.
func (r *recorder) Parallel() {}

func (r *recorder) Verbose() bool { return false }

// Run runs f at once, catching FailNow and Skip, and any panic of the
// grader's own, which it records as a crash.
func (r *recorder) Run(_ string, f func(testscript.T)) {
	defer r.catch()
	f(r)
}

// catch recovers a panic: FailNow and Skip are expected, anything else is
// a bug in the grader.
func (r *recorder) catch() {
	p := recover()
	if p == nil {
		return
	}
	if _, ok := p.(stop); ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.crash = fmt.Sprintf("%v\n%s", p, debug.Stack())
}

func (r *recorder) outcome() (log string, failed bool, skipped, crash string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String(), r.failed, r.skipped, r.crash
}
