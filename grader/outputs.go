//go:build unix

package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/term"

	"socklab/grader/report"
	"socklab/grader/runner"
)

// writeOutputs writes the grade for course tools: results.json
// (Gradescope) at resultsPath, and beside it junit.xml (CI test reports)
// and classroom.json (GitHub Classroom). In GitHub Actions it also hands
// the Classroom result, base64, to the step output "result", and appends
// a Markdown summary to the job summary.
func writeOutputs(g *runner.Grade, resultsPath string, getenv func(string) string) error {
	dir := filepath.Dir(resultsPath)
	classroom := report.ClassroomResult(g)
	junit, err := report.JUnitResult(g).Marshal()
	errs := []error{
		err,
		report.WriteJSON(resultsPath, report.Gradescope(g)),
		report.WriteFile(filepath.Join(dir, "junit.xml"), junit),
		report.WriteJSON(filepath.Join(dir, "classroom.json"), classroom),
	}
	if path := getenv("GITHUB_OUTPUT"); path != "" {
		encoded, err := classroom.Encode()
		errs = append(errs, err, appendTo(path, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "result=%s\n", encoded)
			return err
		}))
	}
	if path := getenv("GITHUB_STEP_SUMMARY"); path != "" {
		errs = append(errs, appendTo(path, func(w io.Writer) error { return report.Summary(w, g) }))
	}
	return errors.Join(errs...)
}

// appendTo appends what write writes to the file at path.
func appendTo(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// printText prints the grade for people: in color on a terminal unless
// NO_COLOR is set. In GitHub Actions, a notice with the points comes first
// (GitHub Classroom reads it), and the report after it is fenced with
// stop-commands under a random token, so that nothing a program printed
// can pass for a workflow command.
func printText(w io.Writer, g *runner.Grade, getenv func(string) string) error {
	color := terminal(w) && getenv("NO_COLOR") == ""
	width := columns(w, getenv)
	if getenv("GITHUB_ACTIONS") != "true" {
		return report.Text(w, g, color, width)
	}
	earned, possible := g.Score()
	fmt.Fprintf(w, "::notice title=Autograding complete::Points %d/%d\n", earned, possible)
	if !g.Seal.Sealed {
		fmt.Fprintf(w, "::warning title=sealed%%3A false::%s\n", commandData(g.Seal.String()))
	}
	token := rand.Text()
	fmt.Fprintf(w, "::stop-commands::%s\n", token)
	err := report.Text(w, g, color, width)
	fmt.Fprintf(w, "::%s::\n", token)
	return err
}

// columns is the width of the terminal the report goes to: $COLUMNS, or
// the terminal's own, or 0 when neither is known.
func columns(w io.Writer, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok && terminal(w) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			return width
		}
	}
	return 0
}

// commandData escapes text for the data of a workflow command.
func commandData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(report.Clean(s))
}
