//go:build unix

package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hello = "package main\n\nfunc main() { println(\"hello\") }\n"

// program writes a program's files into a new directory named prog.
func program(t *testing.T, prog string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), prog)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// testCache is a build cache of its own, in a temporary directory.
func testCache(t *testing.T) *buildCache {
	t.Helper()
	c := openCache(context.Background())
	require.NotEmpty(t, c.dir, "no go command, or no cache directory")
	c.dir = t.TempDir()
	return c
}

func TestBuildAndCache(t *testing.T) {
	c := testCache(t)
	dir := program(t, "server", map[string]string{"main.go": hello})
	var built []string
	b := build(context.Background(), c, dir, filepath.Join(t.TempDir(), "server"), func(d string, done bool) {
		if !done {
			built = append(built, d)
		}
	})
	require.NoError(t, b.Err, b.Output)
	assert.False(t, b.Cached)
	assert.Equal(t, []string{dir}, built, "the build is announced")
	info, err := os.Stat(b.Path)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o111, "an executable")

	again := build(context.Background(), c, dir, filepath.Join(t.TempDir(), "server"), func(d string, done bool) {
		if !done {
			built = append(built, d)
		}
	})
	require.NoError(t, again.Err)
	assert.Len(t, built, 1, "a build from the cache is not announced")
	assert.True(t, again.Cached, "the same sources are not built again")
	assert.Equal(t, b.Path, again.Path)
}

// TestSameSourcesTwoPrograms: a client that is still a copy of the server
// gets an executable of its own, named client, on every grade.
func TestSameSourcesTwoPrograms(t *testing.T) {
	c := testCache(t)
	for range 2 {
		for _, prog := range []string{"server", "client"} {
			b := build(context.Background(), c, program(t, prog, map[string]string{"main.go": hello}),
				filepath.Join(t.TempDir(), prog), nil)
			require.NoError(t, b.Err, b.Output)
			assert.Equal(t, prog, filepath.Base(b.Path))
			_, err := os.Stat(b.Path)
			assert.NoError(t, err, "%s has its executable", prog)
		}
	}
}

func TestNotPackageMain(t *testing.T) {
	b := build(context.Background(), testCache(t), program(t, "server", map[string]string{
		"main.go": "package server\n\nfunc Serve() {}\n",
	}), filepath.Join(t.TempDir(), "server"), nil)
	require.Error(t, b.Err)
	assert.Contains(t, b.Err.Error(), "is not a program: main.go is package server")
}

// TestOwnGoModIgnored: a student's go.mod asking for a Go that is not
// there does not stop the build: a program is its files on their own.
func TestOwnGoModIgnored(t *testing.T) {
	b := build(context.Background(), &buildCache{}, program(t, "client", map[string]string{
		"main.go": hello,
		"go.mod":  "module student\n\ngo 1.99.0\n",
	}), filepath.Join(t.TempDir(), "client"), nil)
	require.NoError(t, b.Err, b.Output)
}

func TestCompilerOutputNamesTheFiles(t *testing.T) {
	dir := program(t, "server", map[string]string{
		"main.go":  "package main\n\nfunc main() { undefined() }\n",
		"extra.go": "package main\n\nimport \"github.com/x/y\"\n\nvar _ = y.Z\n",
	})
	b := build(context.Background(), &buildCache{}, dir, filepath.Join(t.TempDir(), "server"), nil)
	require.Error(t, b.Err)
	assert.Contains(t, b.Err.Error(), "does not compile")
	slash := filepath.ToSlash(dir)
	assert.Contains(t, b.Output, slash+"/extra.go:3:8: no required module provides package github.com/x/y: programs here use the standard library only")
	assert.NotContains(t, b.Output, "go get")
	assert.NotContains(t, b.Output, "\n./", "paths are the program's own")
}

// TestKeepFallsBack: when the slot cannot become the cache entry (another
// program took it), the executable moves out of the slot and survives.
func TestKeepFallsBack(t *testing.T) {
	c := testCache(t)
	slot, err := c.slot()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(slot, "client"), []byte("x"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(c.dir, "key", "server"), 0o755)) // the entry exists, without client
	fallback := filepath.Join(t.TempDir(), "client")
	assert.Equal(t, fallback, c.keep("key", slot, "client", fallback))
	_, err = os.Stat(fallback)
	assert.NoError(t, err)
}

// TestCachePoisoned: a cached executable that changed since it was built
// (a graded program wrote over it) is not used: the program is built
// again.
func TestCachePoisoned(t *testing.T) {
	c := testCache(t)
	dir := program(t, "server", map[string]string{"main.go": hello})
	b := build(context.Background(), c, dir, filepath.Join(t.TempDir(), "server"), nil)
	require.NoError(t, b.Err, b.Output)
	require.NoError(t, os.WriteFile(b.Path, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	again := build(context.Background(), c, dir, filepath.Join(t.TempDir(), "server"), nil)
	require.NoError(t, again.Err, again.Output)
	assert.False(t, again.Cached, "the changed executable is not used")
	data, err := os.ReadFile(again.Path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "#!/bin/sh")
}

// TestNoCgo: a program's C does not build: cgo is off.
func TestNoCgo(t *testing.T) {
	b := build(context.Background(), &buildCache{}, program(t, "server", map[string]string{
		"main.go": "package main\n\n// int two(void) { return 2; }\nimport \"C\"\n\nfunc main() { println(C.two()) }\n",
	}), filepath.Join(t.TempDir(), "server"), nil)
	require.Error(t, b.Err)
	assert.Contains(t, b.Err.Error(), "does not compile")
}

// TestProgramTooBig: an executable over MaxProgram is refused, and not
// cached.
func TestProgramTooBig(t *testing.T) {
	defer func(n int64) { MaxProgram = n }(MaxProgram)
	MaxProgram = 1 << 20
	c := testCache(t)
	dir := program(t, "server", map[string]string{"main.go": hello})
	b := build(context.Background(), c, dir, filepath.Join(t.TempDir(), "server"), nil)
	require.Error(t, b.Err)
	assert.Contains(t, b.Err.Error(), "over the 1 MiB a program may be")
	_, ok := c.lookup(c.key(dir, "server"), "server")
	assert.False(t, ok, "not cached")
}
