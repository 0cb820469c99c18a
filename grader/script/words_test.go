//go:build unix

package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	for pattern, want := range map[string]string{
		`^usage`:                            `a line beginning with "usage"`,
		`(?i)^usage`:                        `a line beginning with "usage" (in any case)`,
		`^ERROR, no port provided$`:         `a line "ERROR, no port provided"`,
		`^ERROR on binding: .`:              `a line beginning with "ERROR on binding: " and more after it`,
		`^ERROR on binding: .+`:             `a line beginning with "ERROR on binding: " and more after it`,
		`^ERROR connecting.*`:               `a line beginning with "ERROR connecting"`,
		`broken pipe`:                       `a line containing "broken pipe"`,
		`EOF$`:                              `a line ending with "EOF"`,
		`^Please enter the message: `:       `a line beginning with "Please enter the message: "`,
		`^I got your message\.$`:            `a line "I got your message."`,
		`^ERROR \(with parentheses\) \[x\]`: `a line beginning with "ERROR (with parentheses) [x]"`,
	} {
		got, ok := Describe(pattern)
		assert.True(t, ok, pattern)
		assert.Equal(t, want, got, pattern)
	}
	for _, pattern := range []string{`^ERROR [0-9]+`, `a|b`, `^$`, `(`, `^x*y`} {
		got, ok := Describe(pattern)
		assert.False(t, ok, pattern)
		assert.Equal(t, "a match for `"+pattern+"`", got)
	}
}

// TestDescribeCoursePatterns puts every pattern of the course's scenarios,
// and of the commands' own tests, in words: a student never reads a
// regular expression where the grader says what it wanted.
func TestDescribeCoursePatterns(t *testing.T) {
	files, err := filepath.Glob("../../testdata/*/*.txtar")
	require.NoError(t, err)
	more, _ := filepath.Glob("testdata/*/*.txtar")
	patterns := 0
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(txtar.Parse(data).Comment), "\n") {
			args := strings.Fields(line)
			if len(args) == 0 {
				continue
			}
			spec, ok := Lookup(args[0])
			pos := Positional(args[1:])
			if !ok || spec.Pattern == 0 || len(pos) < spec.Pattern {
				continue
			}
			pattern := strings.Trim(pos[spec.Pattern-1], "'")
			if strings.Contains(f, "/fail/") && strings.Contains(string(data), "want-broken") {
				continue // a broken script may hold a broken pattern
			}
			patterns++
			_, ok = Describe(pattern)
			assert.True(t, ok, "%s:%d: %s", f, i+1, pattern)
		}
	}
	assert.Positive(t, patterns)
}
