//go:build unix

package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"socklab/grader/bench"
	"socklab/grader/runner"
)

// benchCmd is the bench subcommand: how long grading the reference takes
// on this machine, against the goals (see package bench). It exits 1 when
// a goal is missed, 2 when grading breaks.
func benchCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10, "warm grades to time")
	opts := runner.Options{}
	fs.StringVar(&opts.Src, "src", "solutions", "what to grade")
	fs.StringVar(&opts.Testdata, "testdata", "testdata", "the scenarios")
	fs.StringVar(&opts.Assignment, "assignment", "", "only this assignment")
	if err := fs.Parse(args); err != nil || *n < 1 {
		return exitBroken
	}
	met, err := bench.Run(context.Background(), opts, *n, stdout)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "grader bench: %v\n", err)
		return exitBroken
	case !met:
		return exitFailed
	}
	return exitPassed
}
