//go:build unix

package batch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"socklab/grader/proc"
	"socklab/grader/runner"
	"socklab/grader/sandbox"
	"socklab/grader/scenario"
)

// Each submission is graded by a worker, a process of its own (the
// grader's own executable, run again): a submission that kills, stops or
// outlasts its worker costs itself, scored with the reason, never the
// batch or another student. Where the system allows it the worker grades
// in namespaces of its own (package sandbox), where no program of one
// submission can see, signal or reach another's; there, workers run side
// by side. Elsewhere they run one at a time, so that no submission's
// programs run beside another's. The scenarios are read once, by the
// batch, and handed to each worker: a submission that rewrites them on
// disk changes no one else's grade.

// workerEnv marks a run of the grader's executable as a batch worker:
// see init.
const workerEnv = "SOCKLAB_BATCH_WORKER"

// builtLine is what a worker says on stderr once its submission's
// programs are built, so that the batch may start building the next one.
const builtLine = "socklab-worker: built"

// A job is what a worker grades, read from its stdin.
type job struct {
	Src          string                `json:"src"`
	Testdata     string                `json:"testdata"`
	ScenarioJobs int                   `json:"scenario_jobs"`
	Assignments  []scenario.Assignment `json:"assignments"`
}

// A result is what a worker answers on its stdout.
type result struct {
	Grade *gradeData `json:"grade"`
	Err   string     `json:"err,omitempty"`
}

func init() {
	if os.Getenv(workerEnv) == "" {
		return
	}
	if status, ok := sandbox.Enter(os.Args[1:]); ok {
		os.Exit(status)
	}
	if err := sandbox.Setup(proc.Probe); err != nil {
		os.Exit(sandbox.FallBack)
	}
	os.Exit(work(os.Stdin, os.Stdout, os.Stderr))
}

// work is the worker: it grades the job on in and writes the result to
// out.
func work(in io.Reader, out, log io.Writer) int {
	var j job
	if err := json.NewDecoder(in).Decode(&j); err != nil {
		fmt.Fprintf(log, "socklab-worker: bad job: %v\n", err)
		return 2
	}
	said := false
	g, err := runner.Run(context.Background(), runner.Options{
		Src: j.Src, Testdata: j.Testdata, Assignments: j.Assignments, Jobs: j.ScenarioJobs,
		Progress: func(int, int, runner.Result) {
			if !said {
				said = true
				fmt.Fprintln(log, builtLine)
			}
		},
	})
	r := result{Grade: encodeGrade(g)}
	if err != nil {
		r.Err = err.Error()
	}
	if err := json.NewEncoder(out).Encode(r); err != nil {
		return 2
	}
	return 0
}

// workerTime bounds a worker: its builds, then every assignment's
// scenarios, whose longest time limit each takes at most, with room to
// spare.
func workerTime(assignments []scenario.Assignment) time.Duration {
	d := runner.BuildTimeout + time.Minute
	for _, a := range assignments {
		longest := time.Duration(0)
		for _, sc := range a.Scenarios {
			longest = max(longest, sc.Timeout)
		}
		d += longest + 5*time.Second
	}
	return d
}

// gradeInWorker grades s in a worker, and says when its programs are
// built (built, called once at most).
func gradeInWorker(ctx context.Context, s Submission, opts Options, assignments []scenario.Assignment,
	scenarioJobs int, built func()) Entry {
	e := Entry{Submission: s}
	self, err := os.Executable()
	if err != nil {
		e.Err = fmt.Sprintf("not graded: the grader cannot find its own executable: %v", err)
		return e
	}
	job, err := json.Marshal(job{Src: s.Src, Testdata: opts.Testdata, ScenarioJobs: scenarioJobs, Assignments: assignments})
	if err != nil {
		e.Err = err.Error()
		return e
	}
	limit := workerTime(assignments)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.Stdin = bytes.NewReader(job)
	var out bytes.Buffer
	cmd.Stdout = &out
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		e.Err = err.Error()
		return e
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		e.Err = fmt.Sprintf("not graded: cannot start a worker: %v", err)
		return e
	}
	var said strings.Builder // what the worker said besides builtLine, for an error
	lines := bufio.NewScanner(errPipe)
	for lines.Scan() {
		if lines.Text() == builtLine {
			built()
		} else if said.Len() < 4096 {
			said.WriteString(lines.Text() + "\n")
		}
	}
	err = cmd.Wait()
	var r result
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		e.Err = fmt.Sprintf("not graded: its worker did not finish within %v (stopped, or stuck) and was killed", limit)
	case ctx.Err() != nil:
		e.Err = "not graded: grading was interrupted"
	case err != nil:
		e.Err = fmt.Sprintf("not graded: its worker %s", describeEnd(cmd, err, said.String()))
	case json.Unmarshal(out.Bytes(), &r) != nil:
		e.Err = fmt.Sprintf("not graded: its worker's answer cannot be read: %s", strings.TrimSpace(said.String()))
	default:
		e.Grade, e.Err = decodeGrade(r.Grade), r.Err
		if e.Grade != nil && e.Grade.Broken != "" && e.Err == "" {
			e.Err = e.Grade.Broken
		}
	}
	return e
}

// describeEnd says how a worker that failed ended.
func describeEnd(cmd *exec.Cmd, err error, said string) string {
	what := err.Error()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		what = fmt.Sprintf("was killed by signal %d (%v)", ws.Signal(), ws.Signal())
	}
	if said = strings.TrimSpace(said); said != "" {
		what += ": " + said
	}
	return what
}
