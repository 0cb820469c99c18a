//go:build unix

package script

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/ports"
	"socklab/grader/sandbox"
)

// grace is how long past a script's deadline Run waits for it to wind up
// before it kills what it started and gives up on it.
const grace = 2 * time.Second

// An Outcome is what running one script gave.
type Outcome struct {
	Log       string // testscript's log: the commands run, the failure
	Failed    bool
	Skipped   string // why the script skipped itself, if it did
	Crash     string // a panic of the grader's own, with its stack
	Broken    string // why the grader could not run the script (State.abort)
	Abandoned bool   // the script did not wind up, even after its programs were killed
	Report    string // what each program and grader connection did (State.Report)
}

// Run runs the script data, the file path as it was read, against programs
// (name -> executable) with the scenario commands. It returns within
// timeout and a grace period, whatever the programs do, and leaves none of
// them running. The script runs from a copy of data of its own, so that
// nothing a program does to the file changes it; its log names path.
func Run(ctx context.Context, path string, data []byte, timeout time.Duration, programs map[string]string, alloc *ports.Allocator) Outcome {
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	work, err := workDir()
	if err != nil {
		return Outcome{Crash: err.Error()}
	}
	defer os.RemoveAll(work)
	copyPath := filepath.Join(work, filepath.Base(path))
	if err := os.WriteFile(copyPath, data, 0o600); err != nil {
		return Outcome{Crash: err.Error()}
	}

	st := NewState(ctx, programs, alloc)
	defer st.Close()
	rec := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer rec.catch() // RunT itself may fail before it runs the script
		testscript.RunT(rec, testscript.Params{
			Files:               []string{copyPath},
			Setup:               st.Setup,
			Cmds:                Commands(),
			Condition:           Condition,
			Deadline:            deadline.Add(grace),
			WorkdirRoot:         work,
			RequireExplicitExec: true,
			RequireUniqueNames:  true,
		})
	}()

	var out Outcome
	select {
	case <-done:
	case <-time.After(time.Until(deadline) + grace):
		st.Close() // kills the programs, which frees whatever waits on them
		select {
		case <-done:
		case <-time.After(grace):
			out.Abandoned = true
		}
	}
	out.Log, out.Failed, out.Skipped, out.Crash = rec.outcome()
	out.Log = strings.ReplaceAll(out.Log, copyPath, path)
	out.Broken = st.Broken()
	out.Report = st.Report()
	return out
}

// workDir makes the directory a script's $WORK goes in: under the
// system's temporary directory, or under /tmp where that is long (macOS's
// is some fifty bytes), since a Unix socket path in $WORK must fit in 104
// bytes.
func workDir() (dir string, err error) {
	defer func() {
		if err == nil && sandbox.Current() == sandbox.OtherUser {
			err = os.Chmod(dir, 0o711) // the programs' user passes through to its scenario's
		}
	}()
	if len(os.TempDir()) > 20 {
		if dir, err := os.MkdirTemp("/tmp", "socklab-"); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "socklab-")
}
