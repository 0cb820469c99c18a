//go:build unix

package main

// The instructors' proofs that the scenarios grade what they should (see
// package proof):
//
//	grader check [-testdata DIR] [-solutions DIR] [-skeletons DIR] [-assignment NAME] [-j N] [-v]
//	grader stress [-n 200] [-testdata DIR] [-solutions DIR] [-assignment NAME] [-mutant NAME] [-j N]
//
// check grades each assignment's reference, skeleton and mutants, prints a
// table, and exits 1 when a row's verdict is FAIL. stress (in
// cmd_stress.go) grades the reference and each mutant's catching scenarios
// n times over, and exits 1 on any result that differs or mutant run not
// caught. Both exit 2 when they cannot run, are interrupted or the grader
// broke, and otherwise 0, also where there are no solutions to check.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"socklab/grader/proof"
)

// checkCmd is the check subcommand.
func checkCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var o proof.CheckOptions
	flags.StringVar(&o.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	flags.StringVar(&o.Solutions, "solutions", "solutions", "the reference solutions and their mutants")
	flags.StringVar(&o.Skeletons, "skeletons", "assignments", "the students' skeletons")
	flags.StringVar(&o.Assignment, "assignment", "", "check only this assignment, e.g. 01-stream")
	flags.IntVar(&o.Jobs, "j", 8, "submissions (reference, skeleton, mutants) graded at once, each with its scenarios in parallel (most of their time goes in waiting)")
	verbose := flags.Bool("v", false, "also print why each mutant's catching scenarios failed")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "grader check: unexpected arguments %q\n", flags.Args())
		return exitBroken
	}
	if noSolutions(o.Solutions, stdout) {
		return exitPassed
	}
	return prove("check", stderr, func(ctx context.Context) (proof.Verdict, error) {
		rep, err := proof.Check(ctx, o)
		if err != nil {
			return "", err
		}
		rep.Print(stdout, *verbose)
		return rep.Verdict(), nil
	})
}

// prove runs a proof, check or stress, until it ends or Ctrl-C (or SIGTERM)
// interrupts it; the proof prints what it found and returns its verdict.
// prove returns the exit status: 2 if the proof could not run (it says why
// on stderr), was interrupted or found the grader broken, 1 if it failed,
// 0 if it passed.
func prove(cmd string, stderr io.Writer, run func(ctx context.Context) (proof.Verdict, error)) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	verdict, err := run(ctx)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "grader %s: %v\n", cmd, err)
		return exitBroken
	case ctx.Err() != nil, verdict == proof.Error:
		return exitBroken
	case verdict == proof.Fail:
		return exitFailed
	}
	return exitPassed
}

// noSolutions reports whether there are no reference solutions to check
// (a student's copy of the course has none), and then says so.
func noSolutions(dir string, w io.Writer) bool {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	fmt.Fprintf(w, "There is no %s here (a student's copy of the course?): nothing to check.\n", dir)
	return true
}
