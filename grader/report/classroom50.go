package report

import (
	"io"
	"time"

	"socklab/grader/runner"
)

// Classroom50Schema is the schema of a Classroom 50 result.json
// (foundation50/classroom50, schemas/result-v1.schema.json).
const Classroom50Schema = "classroom50/result/v1"

// classroom50OutputCap bounds each test's output in result.json: the
// runner rejects a result over 10 MiB, and a Release is read by people.
const classroom50OutputCap = 8 << 10

// Classroom50Env is what the Classroom 50 runner tells its autograder
// about the submission, from the environment it runs the autograder in.
type Classroom50Env struct {
	Classroom      string // CLASSROOM: the classroom's short name
	Assignment     string // ASSIGNMENT: the assignment's slug (not a socklab assignment's name)
	Submission     string // SUBMISSION_TAG: submit/<UTC timestamp>-<short sha>
	Commit         string // COMMIT_URL
	Release        string // RELEASE_URL
	Review         string // REVIEW_URL; COMMIT_URL when empty
	Owner          string // OWNER, if set (the runner stamps it anyway)
	AssignmentType string // ASSIGNMENT_TYPE, if set (the runner stamps it anyway)
}

// Classroom50FromEnv reads the Classroom 50 runner's environment. It
// reports false unless CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL
// and RELEASE_URL are all set: outside the runner.
func Classroom50FromEnv(getenv func(string) string) (Classroom50Env, bool) {
	e := Classroom50Env{
		Classroom:      getenv("CLASSROOM"),
		Assignment:     getenv("ASSIGNMENT"),
		Submission:     getenv("SUBMISSION_TAG"),
		Commit:         getenv("COMMIT_URL"),
		Release:        getenv("RELEASE_URL"),
		Review:         getenv("REVIEW_URL"),
		Owner:          getenv("OWNER"),
		AssignmentType: getenv("ASSIGNMENT_TYPE"),
	}
	if e.Review == "" {
		e.Review = e.Commit
	}
	ok := e.Classroom != "" && e.Assignment != "" && e.Submission != "" && e.Commit != "" && e.Release != ""
	return e, ok
}

// Classroom50 is a Classroom 50 result.json. owner, assignment_type and
// datetime are stamped by the runner over whatever the autograder
// writes; they are written here too when known, so that the file holds
// every field the schema requires.
type Classroom50 struct {
	Schema         string            `json:"schema"`
	Classroom      string            `json:"classroom"`
	Assignment     string            `json:"assignment"`
	AssignmentType string            `json:"assignment_type,omitempty"`
	Owner          string            `json:"owner,omitempty"`
	Submission     string            `json:"submission"`
	Commit         string            `json:"commit"`
	Release        string            `json:"release"`
	Review         string            `json:"review"`
	Datetime       string            `json:"datetime"`
	Score          int               `json:"score"`
	MaxScore       int               `json:"max-score"`
	Tests          []Classroom50Test `json:"tests"`
}

// A Classroom50Test is one scenario in result.json. message (why it did
// not pass, in a line) and output (the story) are extra fields, which
// the runner keeps.
type Classroom50Test struct {
	Name     string `json:"test-name"`
	Passed   bool   `json:"passed"`
	Score    int    `json:"score"`
	MaxScore int    `json:"max-score"`
	Message  string `json:"message,omitempty"`
	Output   string `json:"output,omitempty"`
}

// Classroom50Result returns the grade as a Classroom 50 result for the
// submission env describes, graded at now. Its score is the one make
// grade gives (scaled where an assignment sets a total); a skipped
// scenario passes, worth nothing; a scenario the grader could not run
// fails, worth its points (a broken grader never raises a score). An
// unsealed grade carries a failing test named "seal", worth nothing, and
// every grade a passing test named "isolation" that says how far the
// student's programs were isolated.
func Classroom50Result(g *runner.Grade, env Classroom50Env, now time.Time) Classroom50 {
	earned, possible := g.Score()
	c := Classroom50{
		Schema:         Classroom50Schema,
		Classroom:      env.Classroom,
		Assignment:     env.Assignment,
		AssignmentType: env.AssignmentType,
		Owner:          env.Owner,
		Submission:     env.Submission,
		Commit:         env.Commit,
		Release:        env.Release,
		Review:         env.Review,
		Datetime:       now.UTC().Format("2006-01-02T15:04:05Z"),
		Score:          earned,
		MaxScore:       possible,
		Tests:          []Classroom50Test{},
	}
	for _, r := range g.Results {
		t := Classroom50Test{
			Name:     r.Scenario.Assignment + "/" + r.Scenario.Name,
			Passed:   r.Status == runner.Passed || r.Status == runner.Skipped,
			Score:    r.Earned,
			MaxScore: r.Possible(),
			Output:   Cap(Clean(testOutput(r)), classroom50OutputCap),
		}
		if !t.Passed || r.Status == runner.Skipped {
			t.Message = oneLine(r.Reason)
		}
		c.Tests = append(c.Tests, t)
	}
	if !g.Seal.Sealed {
		c.Tests = append(c.Tests, Classroom50Test{Name: "seal", Message: Clean(g.Seal.String())})
	}
	if g.Isolation != "" {
		// No key of its own at the top: the schema allows none. A test that
		// passes, worth nothing, says it.
		c.Tests = append(c.Tests, Classroom50Test{Name: "isolation", Passed: true, Message: g.Isolation})
	}
	return c
}

// ReleaseBody writes the Markdown of the submission's Release: the
// score, the seal when it is broken, then a row a scenario, failures
// first, each with its reason (the job summary's table).
func ReleaseBody(w io.Writer, g *runner.Grade) error {
	return Summary(w, g)
}

// oneLine is text made safe (Clean) and cut to its first line.
func oneLine(s string) string {
	s = Clean(s)
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}
