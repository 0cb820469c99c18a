//go:build unix

package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"socklab/grader/report"
)

// What a batch writes in its output directory (Write).
const (
	CSVFile     = "grades.csv"
	HTMLFile    = "report.html"
	FeedbackDir = "feedback" // a folder per student: FeedbackPath
	ReportFile  = "report.txt"
	ResultsFile = "results.json"
)

// FeedbackWidth is the width of the text reports in the feedback folders:
// what make grade prints where it does not know the terminal's.
const FeedbackWidth = report.DefaultWidth

// FeedbackPath is a student's feedback folder, relative to the output
// directory: feedback/<student>. A student's name is the name of a
// directory, so it is one element of a path.
func FeedbackPath(student string) string {
	return filepath.Join(FeedbackDir, student)
}

// Write writes everything the batch gives to out, creating it: each
// student's feedback folder (WriteFeedback), then grades.csv (WriteCSV)
// and report.html (WriteHTML), which link to them, and DataFile, the
// grades whole, which grader merge reads. A file is written whole or not
// at all; Write writes all it can and returns every error.
func (b *Batch) Write(out string) error {
	errs := []error{b.WriteFeedback(out)}
	for _, o := range []struct {
		name  string
		write func(io.Writer) error
	}{{CSVFile, b.WriteCSV}, {HTMLFile, b.WriteHTML}} {
		var buf bytes.Buffer
		path := filepath.Join(out, o.name)
		err := o.write(&buf)
		if err == nil {
			err = report.WriteFile(path, buf.Bytes())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot write %s: %w", path, err))
		}
	}
	if err := b.writeData(out); err != nil {
		errs = append(errs, fmt.Errorf("cannot write %s: %w", filepath.Join(out, DataFile), err))
	}
	return errors.Join(errs...)
}

// WriteFeedback writes, for each student, what an instructor can hand
// back, in out/feedback/<student>/:
//
//   - report.txt: what make grade prints for the submission (without
//     color, FeedbackWidth wide): each compiler's message, each failed
//     scenario's story and what happened, the table, the score;
//   - results.json: the grade in Gradescope's format, as make grade
//     writes it.
//
// A student who could not be graded gets a report.txt that says why, and
// no results.json (one left from an earlier batch is removed). Folders of
// students not in this batch are left as they are.
func (b *Batch) WriteFeedback(out string) error {
	var errs []error
	for _, e := range b.Entries {
		if err := writeFeedback(filepath.Join(out, FeedbackPath(e.Student)), e); err != nil {
			errs = append(errs, fmt.Errorf("cannot write the feedback of %s: %w", report.Clean(e.Student), err))
		}
	}
	return errors.Join(errs...)
}

// writeFeedback writes one student's feedback folder, dir.
func writeFeedback(dir string, e Entry) error {
	var text bytes.Buffer
	results := filepath.Join(dir, ResultsFile)
	if e.Grade == nil {
		fmt.Fprintf(&text, "Not graded: %s\n", report.Clean(e.Err))
		if err := os.Remove(results); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	} else {
		if err := report.Text(&text, e.Grade, false, FeedbackWidth); err != nil {
			return err
		}
		if err := report.WriteJSON(results, report.Gradescope(e.Grade)); err != nil {
			return err
		}
	}
	return report.WriteFile(filepath.Join(dir, ReportFile), text.Bytes())
}
