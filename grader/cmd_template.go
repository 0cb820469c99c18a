//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"

	"socklab/grader/template"
)

// templateCmd is the template subcommand: it writes the course's student
// repository, ready to be a GitHub Classroom template, to -dest (see
// package template).
//
//	grader template -dest DIR [-root DIR]
func templateCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	flags := flag.NewFlagSet("template", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dest := flags.String("dest", "", "where to write the student repository: a new or empty directory")
	root := flags.String("root", ".", "the course repository to copy")
	if err := flags.Parse(args); err != nil {
		return exitBroken
	}
	switch {
	case flags.NArg() > 0:
		fmt.Fprintf(stderr, "grader template: unexpected arguments %q\n", flags.Args())
		return exitBroken
	case *dest == "":
		fmt.Fprintln(stderr, "usage: grader template -dest DIR [-root DIR]  (make template DEST=DIR)")
		return exitBroken
	}
	if err := template.Write(template.Options{Root: *root, Dest: *dest}, stdout); err != nil {
		fmt.Fprintf(stderr, "grader template: %v\n", err)
		return exitFailed
	}
	return exitPassed
}
