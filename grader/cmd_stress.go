//go:build unix

package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"socklab/grader/proof"
)

// stressCmd is the stress subcommand (see cmd_check.go). With -mutant it
// stresses that mutant alone, and not the reference.
func stressCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("stress", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var o proof.StressOptions
	flags.IntVar(&o.N, "n", 200, "how many times to grade the reference, and to run each mutant's catching scenarios")
	flags.StringVar(&o.Testdata, "testdata", "testdata", "the scenarios: a directory shaped like testdata/")
	flags.StringVar(&o.Solutions, "solutions", "solutions", "the reference solutions and their mutants")
	flags.StringVar(&o.Assignment, "assignment", "", "stress only this assignment, e.g. 01-stream")
	flags.StringVar(&o.Mutant, "mutant", "", "stress only this mutant, e.g. server-one-read, and not the reference")
	flags.IntVar(&o.Jobs, "j", 256, "scenarios run at once in a mutant's runs (many just wait for their time limit)")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	if flags.NArg() > 0 || o.N < 1 {
		fmt.Fprintf(stderr, "grader stress: want -n 1 or more and no arguments, got -n %d %q\n", o.N, flags.Args())
		return exitBroken
	}
	if noSolutions(o.Solutions, stdout) {
		return exitPassed
	}
	o.SkipReference = o.Mutant != ""
	if terminal(stderr) {
		o.Progress = func(line string) { fmt.Fprintf(stderr, "\r\x1b[K%s", line) }
	}
	return prove("stress", stderr, func(ctx context.Context) (proof.Verdict, error) {
		rep, err := proof.Stress(ctx, o)
		if o.Progress != nil {
			fmt.Fprint(stderr, "\r\x1b[K") // the progress line
		}
		if err != nil {
			return "", err
		}
		rep.Print(stdout)
		return rep.Verdict(), nil
	})
}
