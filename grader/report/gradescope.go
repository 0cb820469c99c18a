package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"socklab/grader/runner"
)

// testOutputCap bounds each test's output in results.json.
const testOutputCap = 16 << 10

// Results is a results.json in the Gradescope autograder format.
type Results struct {
	Score         int     `json:"score"`
	MaxScore      int     `json:"max_score"`
	ExecutionTime float64 `json:"execution_time"`
	Output        string  `json:"output"`
	Tests         []Test  `json:"tests"`
}

// A Test is one scenario in results.json.
type Test struct {
	Name       string `json:"name"`
	Score      int    `json:"score"`
	MaxScore   int    `json:"max_score"`
	Status     string `json:"status"` // passed or failed
	Output     string `json:"output"`
	Visibility string `json:"visibility"`
}

// Gradescope returns the grade in the Gradescope results format. A
// skipped scenario counts for nothing and says why.
func Gradescope(g *runner.Grade) Results {
	earned, possible := g.Score()
	res := Results{
		Score:         earned,
		MaxScore:      possible,
		ExecutionTime: g.Duration.Seconds(),
		Output:        fmt.Sprintf("Score: %d/%d", earned, possible),
		Tests:         []Test{},
	}
	if g.Broken != "" {
		res.Output += "\nGrading broke: " + g.Broken
	}
	for _, r := range g.Results {
		t := Test{
			Name:       r.Scenario.Assignment + "/" + r.Scenario.Name,
			Score:      r.Earned,
			MaxScore:   r.Possible(),
			Status:     "failed",
			Output:     r.Scenario.Description,
			Visibility: r.Scenario.Visibility,
		}
		if r.Status == runner.Passed || r.Status == runner.Skipped {
			t.Status = "passed"
		}
		if r.Status == runner.Skipped {
			t.Output += "\nskipped: " + r.Reason
		} else if r.Feedback != "" {
			t.Output += "\n\n" + r.Feedback
		}
		t.Output = capText(t.Output, testOutputCap)
		res.Tests = append(res.Tests, t)
	}
	return res
}

// capText cuts s to at most n bytes, on a UTF-8 boundary, marking the cut.
func capText(s string, n int) string {
	const mark = "\n… (cut)"
	if len(s) <= n {
		return s
	}
	cut := n - len(mark)
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + mark
}

// WriteJSON writes v as indented JSON to path, creating its directory,
// through a temporary file so that a reader never sees half a file.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
