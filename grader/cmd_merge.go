//go:build unix

package main

import (
	"flag"
	"fmt"
	"io"

	"socklab/grader/batch"
)

// mergeCmd is the merge subcommand:
//
//	grader merge [-out DIR] SHARDDIR...
//
// It joins the outputs of batches that each graded a part of a class
// (grader batch -shard K/N -out SHARDDIR) into the outputs of the whole
// class in -out: grades.csv, report.html, every student's feedback folder
// and batch.json, as one grader batch would write them (see batch.Merge),
// and prints the summary. It exits 0 when every student of every shard
// was graded, and 2 when a shard is missing, a submission could not be
// graded whole, the shards do not fit together (other scenarios, a
// student twice), or the outputs could not be read or written.
func mergeCmd(args []string, stdout, stderr io.Writer, _ func(string) string) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: grader merge [-out DIR] SHARDDIR...\n\n"+
			"Joins the outputs of grader batch -shard K/N, one SHARDDIR each, into the grades.csv,\n"+
			"report.html and feedback/<student>/ of the whole class, in -out.\n\nFlags:")
		fs.PrintDefaults()
	}
	out := fs.String("out", "batch-results", "where to write grades.csv, report.html and feedback/<student>/")
	if err := fs.Parse(args); err != nil {
		return exitBroken
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitBroken
	}
	var shards []*batch.Batch
	for _, dir := range fs.Args() {
		b, err := batch.Read(dir)
		if err != nil {
			fmt.Fprintf(stderr, "grader merge: %v\n", err)
			return exitBroken
		}
		shards = append(shards, b)
	}
	b, err := batch.Merge(shards)
	if err != nil {
		fmt.Fprintf(stderr, "grader merge: %v\n", err)
		return exitBroken
	}

	status := exitPassed
	if b.Interrupted || len(b.Broken()) > 0 || len(b.Missing) > 0 {
		status = exitBroken
	}
	return writeBatchOutputs("grader merge", b, *out, status, stdout, stderr)
}
