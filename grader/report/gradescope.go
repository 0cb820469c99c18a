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
	Score         int       `json:"score"`
	MaxScore      int       `json:"max_score"`
	ExecutionTime float64   `json:"execution_time"`
	Output        string    `json:"output"`
	Tests         []Test    `json:"tests"`
	ExtraData     ExtraData `json:"extra_data"`
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

// ExtraData is what results.json says beyond scores.
type ExtraData struct {
	Sealed  bool     `json:"sealed"`
	Changed []string `json:"changed,omitempty"` // the sealed files that were edited
	During  []string `json:"changed_while_grading,omitempty"`
	// Isolation is how far the grader isolated the student's programs
	// (package sandbox's level).
	Isolation string `json:"isolation"`
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
		ExtraData: ExtraData{Sealed: g.Seal.Sealed, Changed: g.Seal.Changed, During: g.Seal.During,
			Isolation: g.Isolation},
	}
	if !g.Seal.Sealed {
		res.Output += "\n" + Clean(g.Seal.String())
	}
	if g.Broken != "" {
		res.Output += "\nGrading broke: " + Clean(g.Broken)
	}
	for _, r := range g.Results {
		t := Test{
			Name:       r.Scenario.Assignment + "/" + r.Scenario.Name,
			Score:      r.Earned,
			MaxScore:   r.Possible(),
			Status:     "failed",
			Output:     Cap(Clean(testOutput(r)), testOutputCap),
			Visibility: r.Scenario.Visibility,
		}
		if r.Status == runner.Passed || r.Status == runner.Skipped {
			t.Status = "passed"
		}
		res.Tests = append(res.Tests, t)
	}
	return res
}

// WriteJSON writes v as indented JSON to path (see WriteFile).
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(data, '\n'))
}

// WriteFile writes data to path, creating its directory, through a
// temporary file so that a reader never sees half a file.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(data)
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
