//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"socklab/grader/script"
)

// helpCmd is the help subcommand: the scenario commands with their
// summaries, one command whole, or (-markdown) the command reference of
// grader/README.md (-write puts it there).
//
//	grader help [-markdown | -write FILE] [COMMAND]
func helpCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("help", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "print the command reference of grader/README.md")
	write := fs.String("write", "", "put the command reference between the markers of this file (grader/README.md)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		return exitBroken
	}
	switch {
	case *write != "":
		if err := script.WriteReference(*write); err != nil {
			fmt.Fprintf(stderr, "grader help: %v\n", err)
			return exitBroken
		}
	case *markdown:
		fmt.Fprint(stdout, script.Reference())
	case fs.NArg() == 1:
		s, ok := script.Lookup(fs.Arg(0))
		if !ok {
			fmt.Fprintf(stderr, "grader help: no scenario command %q (grader help lists them)\n", fs.Arg(0))
			return exitBroken
		}
		fmt.Fprint(stdout, s.Help())
	default:
		fmt.Fprintln(stdout, "Scenario commands (grader help COMMAND says more; testscript's own, such as skip and env, work too):")
		for _, group := range script.Groups {
			fmt.Fprintf(stdout, "\n%s:\n", group)
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			for _, s := range script.Specs() {
				if s.Group == group {
					fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.Summary)
				}
			}
			tw.Flush()
		}
		fmt.Fprintln(stdout, "\nThe grader's own commands (grader COMMAND -h for their flags):")
		for _, c := range subcommands {
			fmt.Fprintf(stdout, "  %-9s %s\n", c.name, c.summary)
		}
	}
	return exitPassed
}
