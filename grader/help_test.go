//go:build unix

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socklab/grader/script"
)

// TestCommandReference: the command reference in grader/README.md is the
// one the table of commands makes, as Go's own script engine checks its
// README.
func TestCommandReference(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no grader/README.md here: a student's copy of the course, which leaves the instructor's guide out")
	}
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(data), "<!-- commands -->\n")
	require.True(t, ok, "README.md has no <!-- commands --> marker")
	section, _, ok := strings.Cut(after, "<!-- end commands -->")
	require.True(t, ok, "README.md has no <!-- end commands --> marker")
	assert.Equal(t, script.Reference(), section,
		"grader/README.md's command reference is stale: put the output of `go run ./grader help -markdown` between its markers")
	for _, name := range script.Names() {
		assert.Contains(t, section, "| `"+name, "the reference has %s", name)
	}
}

func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, exitPassed, run([]string{"help"}, &out, &errOut, noEnv))
	for _, s := range script.Specs() {
		assert.Contains(t, out.String(), s.Name+"  ", "help lists %s", s.Name)
		assert.Contains(t, out.String(), s.Summary)
	}
	out.Reset()
	require.Equal(t, exitPassed, run([]string{"help", "await"}, &out, &errOut, noEnv))
	assert.Contains(t, out.String(), "usage: await [-within DURATION] NAME [STATUS]\n")
	assert.Equal(t, exitBroken, run([]string{"help", "nosuch"}, &out, &errOut, noEnv))
	assert.Contains(t, errOut.String(), `no scenario command "nosuch"`)
}
