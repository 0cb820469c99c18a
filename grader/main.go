//go:build unix

// Command grader grades socket-programming assignments with testscript
// scenarios.
//
//	grader grade [-src DIR | -bin DIR] [-testdata DIR] [-assignment NAME] [-results FILE] [-j N]
//	grader seal [-root DIR]
//	grader check | stress | bench | lint | new | template | batch [flags]
//
// grade builds each assignment's programs from -src (default assignments),
// or takes them prebuilt from -bin, runs the scenarios under -testdata
// (default testdata) against them, prints the results with "Score: X/Y"
// last, and writes them for course tools (see outputs.go). It exits 0 when
// every scenario passed, 1 when any failed, and 2 when grading could not
// run.
//
// seal rewrites testdata/SEAL, the manifest every grade checks the
// scenarios and the grader against. The other subcommands, each in its own
// file (cmd_*.go), are the instructors' tools: see README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/term"

	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/seal"
)

// Exit statuses.
const (
	exitPassed = 0
	exitFailed = 1
	exitBroken = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// A subcommand runs with its arguments, outputs and environment, and
// returns the exit status.
type subcommand func(args []string, stdout, stderr io.Writer, getenv func(string) string) int

// subcommands are the grader's subcommands by name. Each lives in its own
// file, which adds it here from an init function.
var subcommands = map[string]subcommand{
	"grade": grade,
	"seal":  func(args []string, _, stderr io.Writer, _ func(string) string) int { return sealCmd(args, stderr) },
}

// run is the command with its arguments, outputs and environment.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "usage: grader %s [flags]  (grader <command> -h for the flags)\n",
			strings.Join(slices.Sorted(maps.Keys(subcommands)), "|"))
		return exitBroken
	}
	cmd, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "grader: unknown command %q\n", args[0])
		return exitBroken
	}
	return cmd(args[1:], stdout, stderr, getenv)
}

// grade is the grade subcommand.
func grade(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := runner.Options{}
	fs.StringVar(&opts.Src, "src", "assignments", "the submission: a directory shaped like assignments/")
	fs.StringVar(&opts.Bin, "bin", "", "grade executables built elsewhere instead: DIR/<assignment>/<program>")
	fs.StringVar(&opts.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	fs.StringVar(&opts.Assignment, "assignment", "", "grade only this assignment, e.g. 01-stream")
	fs.IntVar(&opts.Jobs, "j", runner.DefaultJobs(), "scenarios to run at once")
	fs.StringVar(&opts.Run, "run", "", "grade only the scenarios whose name (or assignment/name) matches this regular expression")
	results := fs.String("results", "results/results.json",
		"where to write results.json (Gradescope); junit.xml and classroom.json go beside it")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "grader grade: unexpected arguments %q\n", fs.Args())
		return exitBroken
	}

	builds := report.NewBuilds(stderr)
	defer builds.Stop()
	opts.Building = builds.Update
	var progress *report.Progress
	if terminal(stderr) {
		progress = report.NewProgress(stderr)
		opts.Progress = progress.Update
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := runner.Run(ctx, opts)
	if progress != nil {
		progress.Clear()
	}
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
	if err := writeOutputs(g, *results, getenv); err != nil {
		fmt.Fprintf(stderr, "grader: cannot write the results: %v\n", err)
		status = exitBroken
	}
	if err := printText(stdout, g, getenv); err != nil {
		return exitBroken
	}
	return status
}

// sealCmd is the seal subcommand.
func sealCmd(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("seal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "the repository to seal")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	if err := seal.Write(*root); err != nil {
		fmt.Fprintf(stderr, "grader seal: %v\n", err)
		return exitBroken
	}
	return exitPassed
}

// terminal reports whether w is a terminal, where colors and a progress
// line make sense.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
