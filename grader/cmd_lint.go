//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"

	"socklab/grader/lint"
)

// lintCmd is the lint subcommand: it checks every scenario under
// -testdata (see package lint for the rules) and prints one line per
// problem, "path:line: problem", on stdout. It exits 0 when there is none,
// 1 when there are, and 2 when it cannot read the scenarios.
//
//	grader lint [-testdata DIR]
func lintCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	testdata := fs.String("testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "grader lint: unexpected arguments %q\n", fs.Args())
		return exitBroken
	}
	rep, err := lint.Dir(*testdata)
	if err != nil {
		fmt.Fprintf(stderr, "grader lint: %v\n", err)
		return exitBroken
	}
	if rep.Assignments == 0 {
		fmt.Fprintf(stderr, "grader lint: no assignment directories (NN-name) under %s\n", *testdata)
		return exitBroken
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, p)
	}
	summary := lintCount(rep.Scenarios, "scenario") + " in " + lintCount(rep.Assignments, "assignment")
	if len(rep.Problems) > 0 {
		fmt.Fprintf(stderr, "grader lint: %s: %s\n", summary, lintCount(len(rep.Problems), "problem"))
		return exitFailed
	}
	fmt.Fprintf(stderr, "grader lint: %s: no problems\n", summary)
	return exitPassed
}

// lintCount is "1 thing" or "n things".
func lintCount(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
