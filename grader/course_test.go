//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/coursetest"
	"socklab/grader/lint"
	"socklab/grader/proof"
)

// TestLiveCourse: what must hold for the live course, read as it is, with
// whatever assignments, scenarios, points and mutants it has: its
// scenarios lint clean, and make check passes (each reference scores full
// marks, each skeleton zero, each mutant and each version in C fails
// exactly the scenarios its caught-by names). In the copy of the course
// that the course-change test changed, it checks the changed assignment.
func TestLiveCourse(t *testing.T) {
	course := coursetest.Live(t)
	t.Parallel()
	rep, err := lint.Dir(course.Testdata())
	require.NoError(t, err)
	for _, p := range rep.Problems {
		t.Errorf("lint: %s", p)
	}

	// In the copy the course-change test changed: the changed assignment
	// alone (see coursetest.CheckAssignment).
	only := os.Getenv(coursetest.CheckAssignment)
	check, err := proof.Check(context.Background(), proof.CheckOptions{Testdata: course.Testdata(),
		Solutions: course.Solutions(), Skeletons: course.Assignments(), Assignment: only, Jobs: 12})
	require.NoError(t, err)
	if !assert.Equal(t, proof.OK, check.Verdict(), "make check") {
		var failed, table bytes.Buffer
		check.PrintFailed(&failed)
		check.Print(&table, false)
		t.Errorf("the rows that did not pass:%s\n\nmake check:\n%s", &failed, &table)
	}
	for _, l := range check.Loaded {
		t.Logf("warning: %s/%s failed beside the others and passed graded again alone; the first grade:%s",
			l.Assignment, l.Name, l.First)
	}
	kinds := map[proof.Kind]int{}
	for _, r := range check.Rows {
		kinds[r.Kind]++
	}
	assert.Equal(t, kinds[proof.Reference], kinds[proof.Skeleton], "a reference and a skeleton an assignment")
	assert.Positive(t, kinds[proof.Reference])
}
