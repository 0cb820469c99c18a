//go:build unix

package proof

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"socklab/grader/mutant"
	"socklab/grader/scenario"
)

// cDir is where an assignment keeps its programs in C, in its solution
// directory: <program>.c each, whose comments say what they must fail in
// caught-by and may-fail lines (see mutant.Expect).
const cDir = "c"

// cRow returns the row of an assignment's programs in C, in dir, or nil
// when it has none. It compiles each with cc into bin/<assignment>/, to be
// graded as programs built elsewhere; where there is no cc, the row is
// skipped.
func cRow(ctx context.Context, a scenario.Assignment, dir, bin string) *Row {
	files, _ := filepath.Glob(filepath.Join(dir, "*.c"))
	if len(files) == 0 {
		return nil
	}
	r := &Row{Assignment: a.Name, Kind: C, Name: "(C)", Path: dir, bin: bin}
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			r.err = err
			return r
		}
		lines = append(lines, strings.Split(string(data), "\n")...)
	}
	e, found := mutant.ExpectIn(lines)
	if !found {
		r.err = fmt.Errorf("%s: no caught-by line in the comments of its files (caught-by: none if it must pass all)", dir)
		return r
	}
	r.Expect = e
	cc, err := exec.LookPath("cc")
	if err != nil {
		r.skip = "no C compiler (cc) here"
		return r
	}
	for _, prog := range a.Programs() {
		out := filepath.Join(bin, a.Name, prog)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			r.err = err
			return r
		}
		src := filepath.Join(dir, prog+".c")
		msg, err := exec.CommandContext(ctx, cc, "-Wall", "-O2", "-o", out, src).CombinedOutput()
		switch {
		case err != nil:
			r.err = fmt.Errorf("cc %s: %v\n%s", src, err, msg)
			return r
		case len(strings.TrimSpace(string(msg))) > 0:
			r.err = fmt.Errorf("cc %s warns:\n%s", src, msg)
			return r
		}
	}
	return r
}
