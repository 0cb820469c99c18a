//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"

	"socklab/grader/scaffold"
)

// newCmd is the new subcommand: it writes a scenario from a template (see
// package scaffold).
//
//	grader new -assignment 01-stream -name eof-server-slow-close [-testdata DIR]
func newCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("new", flag.ContinueOnError)
	flags.SetOutput(stderr)
	assignment := flags.String("assignment", "", "the assignment, e.g. 01-stream (created if new)")
	name := flags.String("name", "", "the scenario: <family>-<what>, e.g. eof-server-slow-close")
	testdata := flags.String("testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	switch {
	case flags.NArg() > 0:
		fmt.Fprintf(stderr, "grader new: unexpected arguments %q\n", flags.Args())
		return exitBroken
	case *assignment == "" || *name == "":
		fmt.Fprintln(stderr, "usage: grader new -assignment NN-name -name <family>-<what>  (make new-scenario A=01-stream N=eof-server-slow-close)")
		return exitBroken
	}
	if err := scaffold.New(*testdata, *assignment, *name, stdout); err != nil {
		fmt.Fprintf(stderr, "grader new: %v\n", err)
		return exitFailed
	}
	return exitPassed
}
