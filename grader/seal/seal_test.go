package seal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range map[string]string{
		"testdata/01-stream/a.txtar":           "# points: 1\n",
		"testdata/01-stream/b.txtar":           "# points: 2\n",
		"grader/main.go":                       "package main\n",
		"Makefile":                             "grade:\n",
		"go.mod":                               "module socklab\n",
		"assignments/01-stream/server/main.go": "package main\n",
	} {
		write(t, filepath.Join(root, p), content)
	}
	return root
}

func write(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func TestSealedAfterWrite(t *testing.T) {
	root := repo(t)
	require.NoError(t, Write(root))
	st := Check(root)
	assert.True(t, st.Sealed, st.String())
	assert.Equal(t, "sealed: true", st.String())

	data, err := os.ReadFile(filepath.Join(root, File))
	require.NoError(t, err)
	assert.Contains(t, string(data), "  testdata/01-stream/a.txtar\n")
	assert.Contains(t, string(data), "  grader/main.go\n")
	assert.NotContains(t, string(data), "assignments/", "students' work is not sealed")
	assert.NotContains(t, string(data), "testdata/SEAL", "the manifest does not list itself")
}

func TestChanges(t *testing.T) {
	root := repo(t)
	require.NoError(t, Write(root))
	write(t, filepath.Join(root, "testdata/01-stream/a.txtar"), "# points: 100\n")
	require.NoError(t, os.Remove(filepath.Join(root, "grader/main.go")))
	write(t, filepath.Join(root, "testdata/01-stream/new.txtar"), "# points: 1\n")
	write(t, filepath.Join(root, "assignments/01-stream/server/main.go"), "package main // edited\n")
	write(t, filepath.Join(root, "go.work"), "go 1.25\n\nuse .\n") // would change what the grader runs

	st := Check(root)
	assert.False(t, st.Sealed)
	assert.Equal(t, []string{"go.work", "grader/main.go", "testdata/01-stream/a.txtar", "testdata/01-stream/new.txtar"}, st.Changed)
	assert.Equal(t, "sealed: false (changed: go.work, grader/main.go, testdata/01-stream/a.txtar, testdata/01-stream/new.txtar)", st.String())
}

func TestNoManifest(t *testing.T) {
	st := Check(repo(t))
	assert.False(t, st.Sealed)
	assert.Equal(t, "sealed: false (no SEAL)", st.String())
}

func TestBadManifest(t *testing.T) {
	root := repo(t)
	write(t, filepath.Join(root, File), "not a sum line\n")
	st := Check(root)
	assert.False(t, st.Sealed)
	assert.Contains(t, st.Problem, "SEAL:1")
}

// TestRepositoryIsSealed checks the course's own manifest is current: after
// changing a scenario or the grader, run `make seal`.
func TestRepositoryIsSealed(t *testing.T) {
	st := Check("../..")
	assert.True(t, st.Sealed, "%s: run `make seal`", st)
}
