package mutant

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// solution writes a small solution: two programs and a mutants directory
// that Apply must leave out.
func solution(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "01-stream")
	write(t, filepath.Join(dir, "server", "main.go"), "package main\n\nfunc main() {\n\tfor n < len(buf) {\n\t}\n\tx := 1\n\tx := 1\n}\n")
	write(t, filepath.Join(dir, "client", "main.go"), "package main\n\nfunc main() {}\n")
	write(t, filepath.Join(dir, "client", "README.md"), "notes\n")
	write(t, filepath.Join(dir, Dir, "some-bug.txtar"), "# caught-by: x\n# y\n")
	return dir
}

func write(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

const good = `# caught-by: byte-stream-server, eof-server
# The server takes one Read for the whole message.

-- server/main.go: old --
	for n < len(buf) {
-- server/main.go: new --
	for n < len(buf) && n == 0 {
-- client/main.go: old --
func main() {}
-- client/main.go: new --
func main() { panic("no") }
`

func TestParseHeader(t *testing.T) {
	m, err := Parse("server-one-read", []byte(good))
	require.NoError(t, err)
	assert.Equal(t, "server-one-read", m.Name)
	assert.Equal(t, []string{"byte-stream-server", "eof-server"}, m.CaughtBy)
	assert.False(t, m.None)
	assert.Equal(t, "The server takes one Read for the whole message.", m.Description)
	assert.Equal(t, []Edit{
		{File: "server/main.go", Old: "\tfor n < len(buf) {\n", New: "\tfor n < len(buf) && n == 0 {\n"},
		{File: "client/main.go", Old: "func main() {}\n", New: "func main() { panic(\"no\") }\n"},
	}, m.Edits)

	// The caught-by line may come after the description, and twice.
	m, err = Parse("x", []byte("# A bug: the worst.\n# caught-by: a\n#caught-by:b,a\n\n-- s/f: old --\nx\n-- s/f: new --\ny\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, m.CaughtBy)
	assert.Equal(t, "A bug: the worst.", m.Description)

	// may-fail, and none.
	m, err = Parse("x", []byte("# caught-by: a\n# may-fail: b, c\n# A bug.\n-- s/f: old --\nx\n-- s/f: new --\ny\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, m.CaughtBy)
	assert.Equal(t, []string{"b", "c"}, m.MayFail)
	assert.Equal(t, []string{"a", "b", "c"}, m.Entries())
	m, err = Parse("x", []byte("# caught-by: none\n# Tolerated.\n-- s/f: old --\nx\n-- s/f: new --\ny\n"))
	require.NoError(t, err)
	assert.True(t, m.None)
	assert.Empty(t, m.CaughtBy)
}

func TestExpectIn(t *testing.T) {
	e, found := ExpectIn([]string{"/* A program.", "", "   caught-by: a, b", " * caught-by: c */", "// may-fail: d"})
	assert.True(t, found)
	assert.Equal(t, []string{"a", "b", "c"}, e.CaughtBy)
	assert.Equal(t, []string{"d"}, e.MayFail)
	_, found = ExpectIn([]string{"/* nothing */"})
	assert.False(t, found)
}

func TestParseErrors(t *testing.T) {
	edit := "-- s/f: old --\nx\n-- s/f: new --\ny\n"
	cases := []struct{ name, text, want string }{
		{"no caught-by", "# A bug.\n" + edit, "no '# caught-by"},
		{"empty caught-by", "# caught-by: ,\n# A bug.\n" + edit, "no '# caught-by"},
		{"none and more", "# caught-by: none, a\n# A bug.\n" + edit, "caught-by: none, and also a"},
		{"no description", "# caught-by: a\n" + edit, "no description"},
		{"not a comment", "# caught-by: a\nA bug.\n" + edit, "want a '#' comment"},
		{"no edits", "# caught-by: a\n# A bug.\n", "no edits"},
		{"new first", "# caught-by: a\n# A bug.\n-- s/f: new --\ny\n", `want a "<program>/<file>: old" file`},
		{"old alone", "# caught-by: a\n# A bug.\n-- s/f: old --\nx\n", `"s/f: old" is not followed by "s/f: new"`},
		{"other file's new", "# caught-by: a\n# A bug.\n-- s/f: old --\nx\n-- s/g: new --\ny\n", "is not followed by"},
		{"outside", "# caught-by: a\n# A bug.\n-- ../f: old --\nx\n-- ../f: new --\ny\n", "want a path inside"},
		{"empty old", "# caught-by: a\n# A bug.\n-- s/f: old --\n-- s/f: new --\ny\n", "the old text is empty"},
		{"no change", "# caught-by: a\n# A bug.\n-- s/f: old --\nx\n-- s/f: new --\nx\n", "the new text is the old one"},
		{"new file", "# caught-by: a\n# A bug.\n-- s/g --\ny\n", `want a "<program>/<file>: old" file`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("m", []byte(c.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestParseEdits: edits that are not a mutant need no caught-by, and may
// add whole files.
func TestParseEdits(t *testing.T) {
	m, err := ParseEdits("hostile", []byte("# The server forks.\n# More about it.\n\n"+
		"-- server/main.go: old --\nx\n-- server/main.go: new --\ny\n"+
		"-- server/fork.go --\npackage main\n"+
		"-- server/main.go: old --\ny\n-- server/main.go: new --\nz\n"))
	require.NoError(t, err)
	assert.Equal(t, "The server forks.", m.Description)
	assert.Empty(t, m.CaughtBy)
	assert.Equal(t, []Edit{
		{File: "server/main.go", Old: "x\n", New: "y\n"},
		{File: "server/fork.go", New: "package main\n"},
		{File: "server/main.go", Old: "y\n", New: "z\n"},
	}, m.Edits)

	m, err = ParseEdits("x", []byte("# caught-by: a\n# A bug.\n-- s/f: old --\nx\n-- s/f: new --\ny\n"))
	require.NoError(t, err, "a mutant's text is edits too")
	assert.Equal(t, []string{"a"}, m.CaughtBy)

	edit := "-- s/f: old --\nx\n-- s/f: new --\ny\n"
	cases := []struct{ name, text, want string }{
		{"no description", edit, "no description"},
		{"no edits", "# Nothing.\n", "no edits"},
		{"new first", "# A.\n-- s/f: new --\ny\n", `want a "<program>/<file>: old" file`},
		{"misspelt old", "# A.\n-- s/f: olds --\nx\n", `want a "<program>/<file>: old" file`},
		{"old alone", "# A.\n-- s/f: old --\nx\n-- s/g --\ny\n", `"s/f: old" is not followed by "s/f: new"`},
		{"new file outside", "# A.\n-- ../g --\ny\n", "want a path inside"},
		{"empty new file", "# A.\n-- s/g --\n\n", "s/g: the new file is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseEdits("m", []byte(c.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestApply(t *testing.T) {
	sol := solution(t)
	m, err := Parse("server-one-read", []byte(good))
	require.NoError(t, err)
	dest := t.TempDir()
	require.NoError(t, m.Apply(sol, dest))

	assert.Equal(t, "package main\n\nfunc main() {\n\tfor n < len(buf) && n == 0 {\n\t}\n\tx := 1\n\tx := 1\n}\n",
		read(t, filepath.Join(dest, "01-stream", "server", "main.go")))
	assert.Equal(t, "package main\n\nfunc main() { panic(\"no\") }\n",
		read(t, filepath.Join(dest, "01-stream", "client", "main.go")))
	assert.Equal(t, "notes\n", read(t, filepath.Join(dest, "01-stream", "client", "README.md")), "other files are copied")
	assert.NoDirExists(t, filepath.Join(dest, "01-stream", Dir), "the mutants are not")
	assert.Contains(t, read(t, filepath.Join(sol, "server", "main.go")), "\tfor n < len(buf) {\n", "the solution is untouched")

	// Two edits of one file apply in order, the second to the first's result.
	m, err = Parse("two", []byte("# caught-by: a\n# Two edits.\n"+
		"-- server/main.go: old --\n\tfor n < len(buf) {\n-- server/main.go: new --\n\tfor {\n"+
		"-- server/main.go: old --\n\tfor {\n\t}\n-- server/main.go: new --\n\tfor {\n\t\tbreak\n\t}\n"))
	require.NoError(t, err)
	dest = t.TempDir()
	require.NoError(t, m.Apply(sol+"/", dest))
	assert.Equal(t, "package main\n\nfunc main() {\n\tfor {\n\t\tbreak\n\t}\n\tx := 1\n\tx := 1\n}\n",
		read(t, filepath.Join(dest, "01-stream", "server", "main.go")))
}

// TestApplyNewFile: a new file is written whole, and may be edited after;
// one the solution has already is an error.
func TestApplyNewFile(t *testing.T) {
	sol := solution(t)
	m, err := ParseEdits("fork", []byte("# Forks.\n"+
		"-- server/fork.go --\npackage main\n\nfunc fork() {}\n"+
		"-- server/fork.go: old --\nfunc fork() {}\n-- server/fork.go: new --\nfunc fork() { panic(1) }\n"+
		"-- server/main.go: old --\n\tfor n < len(buf) {\n-- server/main.go: new --\n\tfork()\n\tfor n < len(buf) {\n"))
	require.NoError(t, err)
	dest := t.TempDir()
	require.NoError(t, m.Apply(sol, dest))
	assert.Equal(t, "package main\n\nfunc fork() { panic(1) }\n", read(t, filepath.Join(dest, "01-stream", "server", "fork.go")))
	assert.Contains(t, read(t, filepath.Join(dest, "01-stream", "server", "main.go")), "\tfork()\n\tfor n < len(buf) {\n")
	assert.NoFileExists(t, filepath.Join(sol, "server", "fork.go"), "the solution is untouched")

	m, err = ParseEdits("clobber", []byte("# Replaces main.go.\n-- server/main.go --\npackage main\n"))
	require.NoError(t, err)
	dest = t.TempDir()
	err = m.Apply(sol, dest)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mutant clobber: server/main.go: a new file, but the solution has it already")
	assert.NoDirExists(t, filepath.Join(dest, "01-stream"), "nothing is written")
}

func TestApplyErrors(t *testing.T) {
	sol := solution(t)
	cases := []struct{ name, file, old, want string }{
		{"old text missing", "server/main.go", "\tfor n <= len(buf) {\n", "mutant bug: server/main.go: the old text is not in the solution"},
		{"old text twice", "server/main.go", "\tx := 1\n", "mutant bug: server/main.go: the old text is in the solution 2 times, want once"},
		{"no such file", "server/other.go", "x\n", "mutant bug: server/other.go: there is no such file"},
		{"the mutants are not the solution", "mutants/some-bug.txtar", "# y\n", "mutant bug: mutants/some-bug.txtar: there is no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Mutant{Name: "bug", Expect: Expect{CaughtBy: []string{"a"}}, Description: "b",
				Edits: []Edit{{File: c.file, Old: c.old, New: "changed\n"}}}
			dest := t.TempDir()
			err := m.Apply(sol, dest)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NoDirExists(t, filepath.Join(dest, "01-stream"), "nothing is written")
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	ms, err := Load(filepath.Join(dir, "none"))
	require.NoError(t, err)
	assert.Empty(t, ms, "no directory, no mutants")

	write(t, filepath.Join(dir, "b-bug.txtar"), good)
	write(t, filepath.Join(dir, "a-bug.txtar"), good)
	write(t, filepath.Join(dir, "notes.md"), "not a mutant\n")
	ms, err = Load(dir)
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "a-bug", ms[0].Name)
	assert.Equal(t, filepath.Join(dir, "a-bug.txtar"), ms[0].Path)
	assert.Equal(t, "b-bug", ms[1].Name)

	write(t, filepath.Join(dir, "c-bug.txtar"), "# caught-by: a\n")
	_, err = Load(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "c-bug.txtar")
}

// TestCourseMutants: the course's own mutants parse and apply to their
// solutions.
func TestCourseMutants(t *testing.T) {
	solutions, err := filepath.Glob("../../solutions/*")
	require.NoError(t, err)
	for _, sol := range solutions {
		ms, err := Load(filepath.Join(sol, Dir))
		require.NoError(t, err)
		for _, m := range ms {
			assert.NoError(t, m.Apply(sol, t.TempDir()))
		}
	}
}
