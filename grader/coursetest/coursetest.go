// Package coursetest gives the grader's tests the fixture course,
// grader/testdata/course: a small course of the tests' own (two
// assignments, 01-echo and 02-upper, with references, skeletons and
// mutants), so that no test depends on the live course's names, counts
// or points. Tests that must hold for the live course read it as it is,
// and say so.
package coursetest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A Course is a course on disk, shaped like the repository: its
// testdata/, solutions/ and assignments/.
type Course struct {
	Root string
}

// Testdata is the course's scenarios directory.
func (c Course) Testdata() string { return filepath.Join(c.Root, "testdata") }

// Solutions is the course's reference solutions directory.
func (c Course) Solutions() string { return filepath.Join(c.Root, "solutions") }

// Assignments is the course's skeletons directory.
func (c Course) Assignments() string { return filepath.Join(c.Root, "assignments") }

// dir is the fixture course in the source tree.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "course")
}

// Fixture returns the fixture course where it is, to read and grade, not
// to change.
func Fixture(t testing.TB) Course {
	t.Helper()
	root, err := filepath.Abs(dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("no fixture course: %v", err)
	}
	return Course{Root: root}
}

// Copy returns a copy of the fixture course in a new temporary directory,
// for a test that changes it.
func Copy(t testing.TB) Course {
	t.Helper()
	root := filepath.Join(t.TempDir(), "course")
	if err := os.CopyFS(root, os.DirFS(Fixture(t).Root)); err != nil {
		t.Fatal(err)
	}
	return Course{Root: root}
}

// Live returns the live course, the repository this test runs in, for
// the data-driven tests that must hold for it as it is. It skips the test
// where the course has no solutions (a student's copy).
func Live(t testing.TB) Course {
	t.Helper()
	root, err := filepath.Abs(filepath.Join(filepath.Dir(dir()), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	c := Course{Root: root}
	if _, err := os.Stat(c.Solutions()); err != nil {
		t.Skip("no solutions/ here: a student's copy of the course")
	}
	return c
}

// InCourseChange is set in the environment of the tests that the
// course-change test (grader/template) runs in the copy of the course it
// changed.
const InCourseChange = "SOCKLAB_IN_COURSE_CHANGE"

// CheckAssignment, set beside InCourseChange, names the assignment the
// course change changed: the proof of the live course checks it alone,
// since the others are as the make test that started the course-change
// test found and checked them.
const CheckAssignment = "SOCKLAB_CHECK_ASSIGNMENT"

// FixtureOnlyNote is why a FixtureOnly test skipped in a changed copy.
const FixtureOnlyNote = "a slow test of the fixture course alone, which a change of the course leaves as it was: " +
	"the make test that changed the course runs it"

// FixtureOnly marks a slow test that reads the fixture course and nothing
// of the live one: in the copy of the course that the course-change test
// changed, it skips, since the change cannot change what it finds, and
// the make test that started the course-change test runs it once.
func FixtureOnly(t testing.TB) {
	t.Helper()
	if os.Getenv(InCourseChange) != "" {
		t.Skip(FixtureOnlyNote)
	}
}
