//go:build unix

// Command grader grades socket-programming assignments with testscript
// scenarios.
//
//	grader grade [-src DIR] [-testdata DIR] [-assignment NAME] [-results FILE] [-j N]
//
// It builds each assignment's programs from -src (default assignments),
// runs the scenarios under -testdata (default testdata) against them,
// prints the results with "Score: X/Y" last, and writes results.json in
// Gradescope's format to -results. It exits 0 when every scenario passed,
// 1 when any failed, and 2 when grading could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"socklab/grader/report"
	"socklab/grader/runner"
)

// Exit statuses.
const (
	exitPassed = 0
	exitFailed = 1
	exitBroken = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: grader grade [flags]  (grader grade -h for the flags)")
		return exitBroken
	}
	switch args[0] {
	case "grade":
		return grade(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "grader: unknown command %q\n", args[0])
	return exitBroken
}

// grade is the grade subcommand.
func grade(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := runner.Options{}
	fs.StringVar(&opts.Src, "src", "assignments", "the submission: a directory shaped like assignments/")
	fs.StringVar(&opts.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	fs.StringVar(&opts.Assignment, "assignment", "", "grade only this assignment, e.g. 01-stream")
	fs.IntVar(&opts.Jobs, "j", runner.DefaultJobs(), "scenarios to run at once")
	results := fs.String("results", "results/results.json", "where to write results.json (Gradescope format)")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "grader grade: unexpected arguments %q\n", fs.Args())
		return exitBroken
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := runner.Run(ctx, opts)
	if err != nil {
		g.Broken = err.Error()
	}
	status := exitPassed
	switch {
	case g.Errored():
		status = exitBroken
	case !g.AllPassed():
		status = exitFailed
	}
	if err := report.WriteJSON(*results, report.Gradescope(g)); err != nil {
		fmt.Fprintf(stderr, "grader: cannot write the results: %v\n", err)
		status = exitBroken
	}
	if err := report.Text(stdout, g); err != nil {
		return exitBroken
	}
	return status
}
