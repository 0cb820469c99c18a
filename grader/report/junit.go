package report

import (
	"encoding/xml"
	"fmt"

	"socklab/grader/runner"
)

// JUnit is a grade as JUnit XML, for CI test reports: a test suite per
// assignment, a test case per scenario, the feedback as a failure's text.
type JUnit struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// A JUnitSuite is one assignment.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// A JUnitProperty is a name and a value.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// A JUnitCase is one scenario.
type JUnitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure"`
	Error     *JUnitProblem `xml:"error"`
	Skipped   *JUnitProblem `xml:"skipped"`
}

// A JUnitProblem is a failure, an error or a skip: a one-line message and
// the whole story.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// JUnitResult returns the grade as JUnit XML. Each assignment's suite
// carries the seal and the points as properties.
func JUnitResult(g *runner.Grade) JUnit {
	j := JUnit{Name: "socklab", Time: secs(g.Duration.Seconds())}
	index := map[string]int{}
	for _, r := range g.Results {
		a := r.Scenario.Assignment
		i, ok := index[a]
		if !ok {
			i = len(j.Suites)
			index[a] = i
			j.Suites = append(j.Suites, JUnitSuite{Name: a, Properties: []JUnitProperty{
				{"sealed", fmt.Sprint(g.Seal.Sealed)},
				{"isolation", g.Isolation},
			}})
		}
		s := &j.Suites[i]
		c := JUnitCase{ClassName: a, Name: r.Scenario.Name, File: r.Scenario.Path, Time: secs(r.Duration.Seconds())}
		problem := &JUnitProblem{Message: Clean(r.Reason), Text: Cap(Clean(testOutput(r)), testOutputCap)}
		switch r.Status {
		case runner.Failed:
			c.Failure = problem
			s.Failures++
		case runner.Errored:
			c.Error = problem
			s.Errors++
		case runner.Skipped:
			c.Skipped = problem
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for i := range j.Suites {
		s := &j.Suites[i]
		earned, possible, secsTotal := 0, 0, 0.0
		for _, r := range g.Results {
			if r.Scenario.Assignment == s.Name {
				earned += r.Earned
				possible += r.Possible()
				secsTotal += r.Duration.Seconds()
			}
		}
		s.Time = secs(secsTotal)
		s.Properties = append(s.Properties, JUnitProperty{"points", fmt.Sprintf("%d/%d", earned, possible)})
		j.Tests += s.Tests
		j.Failures += s.Failures
		j.Errors += s.Errors
		j.Skipped += s.Skipped
	}
	return j
}

// Marshal returns the XML document.
func (j JUnit) Marshal() ([]byte, error) {
	data, err := xml.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}

func secs(s float64) string { return fmt.Sprintf("%.3f", s) }
