//go:build unix

package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// scenarioName is the shape of a scenario's name, its file name without
// .txtar: lowercase words joined by '-', at least two (the family, then
// what it checks).
var scenarioName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)

// oneWord is a name of one word, which a scenario's is not.
var oneWord = regexp.MustCompile(`^[a-z0-9]+$`)

// assignmentName is the shape of an assignment directory (as
// scenario.Discover wants it): 01-stream.
var assignmentName = regexp.MustCompile(`^[0-9]{2}-[a-z0-9-]+$`)

// roles are the words of a scenario name that say whose program it tests.
var roles = []string{"client", "server", "pair"}

// CheckName says what is wrong with a scenario name (the file name without
// .txtar), or returns nil.
func CheckName(name string) error {
	switch {
	case scenarioName.MatchString(name):
		return nil
	case name == "":
		return fmt.Errorf("no name")
	case strings.ToLower(name) != name:
		return fmt.Errorf("%q: lowercase only", name)
	case strings.ContainsAny(name, "_ ."):
		return fmt.Errorf("%q: join the words with '-', not '_', ' ' or '.'", name)
	case oneWord.MatchString(name):
		return fmt.Errorf("%q: at least two words joined by '-': the family, then what it checks (e.g. %s-server-...)", name, name)
	}
	return fmt.Errorf("%q: want lowercase words (a-z, 0-9) joined by single '-': <family>-<what>", name)
}

// CheckAssignment says what is wrong with an assignment directory name, or
// returns nil.
func CheckAssignment(name string) error {
	if !assignmentName.MatchString(name) {
		return fmt.Errorf("%q: an assignment is named NN-name, two digits then lowercase words joined by '-' (e.g. 01-stream)", name)
	}
	return nil
}

// Role says whose programs a scenario name says it tests: "pair" (the
// client and the server together), "client", "server", or "" when its
// name says none.
func Role(name string) string {
	words := strings.Split(name, "-")
	client, server := slices.Contains(words, "client"), slices.Contains(words, "server")
	switch {
	case slices.Contains(words, "pair"), client && server:
		return "pair"
	case client:
		return "client"
	case server:
		return "server"
	}
	return ""
}
