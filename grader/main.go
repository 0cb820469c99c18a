//go:build unix

// Command grader grades socket-programming assignments with testscript
// scenarios.
//
//	grader grade [-src DIR | -bin DIR] [-testdata DIR] [-assignment NAME] [-results FILE] [-j N]
//	grader seal [-root DIR]
//	grader check | stress | bench | lint | new | template | batch | merge [flags]
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
	"os"
	"os/signal"
	"slices"
	"syscall"

	"golang.org/x/term"

	"socklab/grader/proc"
	"socklab/grader/report"
	"socklab/grader/runner"
	"socklab/grader/sandbox"
	"socklab/grader/seal"
)

// Exit statuses.
const (
	exitPassed = 0
	exitFailed = 1
	exitBroken = 2
)

func main() {
	args := os.Args[1:]
	if i := slices.IndexFunc(subcommands, func(c subcommand) bool { return len(args) > 0 && c.name == args[0] }); i >= 0 && subcommands[i].sandboxed {
		// Grading: in namespaces of its own where it can (package sandbox).
		if status, ok := sandbox.Enter(args); ok {
			os.Exit(status)
		}
		if err := sandbox.Setup(proc.Probe); err != nil {
			fmt.Fprintf(os.Stderr, "grader: no sandbox here after all (%v): grading at the next level\n", err)
			os.Exit(sandbox.FallBack)
		}
	}
	os.Exit(run(args, os.Stdout, os.Stderr, os.Getenv))
}

// A subcommand is one of the grader's commands: a thin function, in a
// file of its own (cmd_<name>.go), that reads its flags and calls the
// package that does the work. It runs with its arguments, outputs and
// environment, and returns the exit status.
type subcommand struct {
	name      string
	summary   string
	run       func(args []string, stdout, stderr io.Writer, getenv func(string) string) int
	sandboxed bool // it runs student programs: isolate them (package sandbox)
}

// subcommands is the table of the grader's subcommands, the one place
// that names them (help lists it). It is filled in init, since help reads
// it.
var subcommands []subcommand

func init() {
	subcommands = []subcommand{
		{"grade", "build and grade a submission (make grade)", gradeCmd, true},
		{"check", "prove the scenarios: reference, skeleton, mutants (make check)", checkCmd, true},
		{"stress", "prove them N times over (make stress)", stressCmd, true},
		{"bench", "time grading the reference (make bench)", benchCmd, true},
		{"lint", "check every scenario", lintCmd, false},
		{"new", "start a scenario from a template (make new-scenario)", newCmd, false},
		{"template", "write the student repository (make template)", templateCmd, false},
		{"batch", "grade a whole class (make batch)", batchCmd, false},
		{"merge", "join the grades of a class graded in shards (batch -shard)", mergeCmd, false},
		{"seal", "record the checksums of what decides a grade (make seal)", sealCmd, false},
		{"help", "the scenario commands, or one of them", helpCmd, false},
	}
}

// run is the command with its arguments, outputs and environment.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: grader COMMAND [flags]  (grader COMMAND -h for the flags)")
		for _, c := range subcommands {
			fmt.Fprintf(stderr, "  %-9s %s\n", c.name, c.summary)
		}
		return exitBroken
	}
	i := slices.IndexFunc(subcommands, func(c subcommand) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(stderr, "grader: unknown command %q (grader with no arguments lists them)\n", args[0])
		return exitBroken
	}
	return subcommands[i].run(args[1:], stdout, stderr, getenv)
}

// gradeCmd is the grade subcommand.
func gradeCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
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
func sealCmd(args []string, _, stderr io.Writer, _ func(string) string) int {
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
