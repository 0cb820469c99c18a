//go:build unix

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"socklab/grader/batch"
	"socklab/grader/report"
)

// batchCmd is the batch subcommand:
//
//	grader batch [-testdata DIR] [-assignment NAME] [-out DIR] [-shard K/N] [-j N] [-inflight N] [-scenarios N] DIR
//
// It grades every submission in DIR (one directory per student, shaped
// like assignments/ or a whole repository holding assignments/), several
// at once, writes OUT/grades.csv, OUT/report.html, a feedback folder per
// student, OUT/feedback/<student>/ with report.txt and results.json, and
// OUT/batch.json, the grades whole (see batch.Write), and prints a short
// summary. With -shard K/N it grades the K-th of N equal parts of the
// submissions, by name, for grader merge to join (see mergeCmd). It exits 0 when every
// submission was graded, whatever the students scored, and 2 when grading
// could not run, was interrupted, or could not grade a submission whole
// (the outputs are still written, and the summary names those
// submissions), or the outputs could not be written.
func batchCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: grader batch [flags] DIR\n\n"+
			"Grades every student's submission in DIR (a directory each, shaped like assignments/\n"+
			"or a whole repository holding assignments/) and writes, in -out, grades.csv, report.html\n"+
			"and feedback/<student>/ (report.txt and results.json, to hand back).\n"+
			"-shard K/N grades the K-th of N equal parts of DIR's submissions: grader merge joins the parts.\n\nFlags:")
		fs.PrintDefaults()
	}
	opts := batch.Options{}
	fs.StringVar(&opts.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	fs.StringVar(&opts.Assignment, "assignment", "", "grade only this assignment, e.g. 01-stream")
	fs.IntVar(&opts.Jobs, "j", batch.DefaultJobs(), "submissions to build at once (the part that needs the CPU)")
	fs.IntVar(&opts.InFlight, "inflight", batch.DefaultInFlight(), "submissions to grade at once, building or running scenarios")
	fs.IntVar(&opts.ScenarioJobs, "scenarios", batch.DefaultScenarioJobs(), "scenarios of one submission to run at once")
	out := fs.String("out", "batch-results", "where to write grades.csv, report.html and feedback/<student>/")
	shard := fs.String("shard", "", "grade only the K-th of N equal parts of the submissions, by name: K/N, e.g. 2/3")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	var err error
	if opts.Shard, err = batch.ParseShard(*shard); err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitBroken
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitBroken
	}
	opts.Dir = fs.Arg(0)
	opts.Skip = []string{*out} // -out inside DIR is not a student

	if terminal(stderr) {
		var mu sync.Mutex
		opts.Progress = func(done, total int, e batch.Entry) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "\r\x1b[K[%d/%d] %s", done, total, report.Clean(e.Student))
			if done == total {
				fmt.Fprint(stderr, "\r\x1b[K")
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := batch.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitBroken
	}

	status := exitPassed
	if b.Interrupted || len(b.Broken()) > 0 {
		status = exitBroken
	}
	return writeBatchOutputs("grader batch", b, *out, status, stdout, stderr)
}

// writeBatchOutputs ends grader batch and grader merge: it writes the batch's
// outputs in out, then its summary, and the files written. It returns
// status, or exitBroken when the outputs could not be written.
func writeBatchOutputs(cmd string, b *batch.Batch, out string, status int, stdout, stderr io.Writer) int {
	werr := b.Write(out)
	if werr != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, werr)
		status = exitBroken
	}
	if err := b.WriteSummary(stdout); err != nil {
		return exitBroken
	}
	if werr == nil {
		fmt.Fprintf(stdout, "Wrote %s, %s and each student's feedback in %s.\n",
			filepath.Join(out, batch.CSVFile), filepath.Join(out, batch.HTMLFile),
			filepath.Join(out, batch.FeedbackDir, "<student>")+string(filepath.Separator))
	}
	return status
}
