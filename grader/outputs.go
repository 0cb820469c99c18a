//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"socklab/grader/report"
	"socklab/grader/runner"
)

// writeOutputs writes the grade for course tools: results.json
// (Gradescope) at resultsPath, and beside it junit.xml (CI test reports:
// GitLab, Jenkins, ...) and classroom.json (the format of GitHub
// Classroom's reporter, kept for tools that read it: nothing in the
// course does since Classroom's retirement). Beside them it also writes,
// where the environment asks:
//
//   - under the Classroom 50 runner (CLASSROOM, ASSIGNMENT,
//     SUBMISSION_TAG, COMMIT_URL and RELEASE_URL set), Classroom 50's
//     result.json and release-body.md;
//   - with SOCKLAB_PRAIRIELEARN_RESULTS set, PrairieLearn's results at
//     that path;
//   - in GitHub Actions, the Markdown summary appended to the job summary
//     (not under Classroom 50, whose runner shows release-body.md there).
func writeOutputs(g *runner.Grade, resultsPath string, getenv func(string) string) error {
	dir := filepath.Dir(resultsPath)
	junit, err := report.JUnitResult(g).Marshal()
	errs := []error{
		err,
		report.WriteJSON(resultsPath, report.Gradescope(g)),
		report.WriteFile(filepath.Join(dir, "junit.xml"), junit),
		report.WriteJSON(filepath.Join(dir, "classroom.json"), report.ClassroomResult(g)),
	}
	c50, underClassroom50 := report.Classroom50FromEnv(getenv)
	if underClassroom50 {
		errs = append(errs, report.WriteJSON(filepath.Join(dir, classroom50ResultFile), report.Classroom50Result(g, c50, time.Now())))
		var body bytes.Buffer
		if err := report.ReleaseBody(&body, g); err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, report.WriteFile(filepath.Join(dir, classroom50ReleaseBodyFile), body.Bytes()))
		}
	}
	if path := getenv("SOCKLAB_PRAIRIELEARN_RESULTS"); path != "" {
		errs = append(errs, report.WriteJSON(path, report.PrairieLearn(g)))
	}
	if path := getenv("GITHUB_STEP_SUMMARY"); path != "" && !underClassroom50 {
		errs = append(errs, appendTo(path, func(w io.Writer) error { return report.Summary(w, g) }))
	}
	return errors.Join(errs...)
}

// The files Classroom 50's runner reads from the student's checkout,
// written beside results.json (.classroom50/autograder.py moves them).
const (
	classroom50ResultFile      = "result.json"
	classroom50ReleaseBodyFile = "release-body.md"
)

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
// NO_COLOR is set. In GitHub Actions, workflow commands of the grader's
// own come first: a notice with the score, an error annotation on the
// scenario file and line of each scenario that did not pass
// (report.Annotations), a warning when the seal is broken; then the
// report, fenced with stop-commands under a random token, so that
// nothing a program printed can pass for a workflow command.
func printText(w io.Writer, g *runner.Grade, getenv func(string) string) error {
	color := terminal(w) && getenv("NO_COLOR") == ""
	width := columns(w, getenv)
	if getenv("GITHUB_ACTIONS") != "true" {
		return report.Text(w, g, color, width)
	}
	earned, possible := g.Score()
	fmt.Fprintf(w, "::notice title=socklab::Score: %d/%d\n", earned, possible)
	if err := report.Annotations(w, g, annotationFile(getenv("GITHUB_WORKSPACE"))); err != nil {
		return err
	}
	if !g.Seal.Sealed {
		fmt.Fprintf(w, "::warning title=sealed%%3A false::%s\n", commandData(g.Seal.String()))
	}
	token := rand.Text()
	fmt.Fprintf(w, "::stop-commands::%s\n", token)
	err := report.Text(w, g, color, width)
	fmt.Fprintf(w, "::%s::\n", token)
	return err
}

// refDir is where make grade GRADER_REF=... puts the reference copy of
// the course (the Makefile's REF_DIR).
const refDir = ".grader-ref"

// annotationFile returns where an annotation of a scenario goes: its
// path relative to the workspace (the repository's checkout; the working
// directory where unset), with slashes, or "" when it is outside: a
// scenario of Classroom 50's bundle, say. A scenario of the reference
// copy that GRADER_REF grades with is annotated on the repository's own
// copy, at the same place.
func annotationFile(workspace string) func(string) string {
	return func(path string) string {
		if workspace == "" {
			workspace, _ = os.Getwd()
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return ""
		}
		rel, err := filepath.Rel(workspace, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return ""
		}
		rel = filepath.ToSlash(rel)
		if r, ok := strings.CutPrefix(rel, refDir+"/"); ok {
			rel = r
		}
		return rel
	}
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
