//go:build unix

package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cacheEntries is how many built programs the cache keeps, the most
// recently used.
const cacheEntries = 400

// A buildCache keeps the executables of programs built before, by a hash
// of everything that went into them (the sources and the toolchain), so
// that grading the same sources again does not build them again.
type buildCache struct {
	dir       string // where the entries live; "" when there is no cache
	toolchain string // what of the go command's environment decides a build
}

// openCache opens the cache in the user's cache directory. Without one, or
// without a go command, it is a cache that keeps nothing.
func openCache(ctx context.Context) *buildCache {
	base, err := os.UserCacheDir()
	if err != nil {
		return &buildCache{}
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION", "GOOS", "GOARCH", "GOAMD64", "GOARM64",
		"CGO_ENABLED", "GOEXPERIMENT").Output()
	if err != nil {
		return &buildCache{}
	}
	toolchain := string(out) + strings.Join(buildFlags, " ")
	return &buildCache{dir: filepath.Join(base, "socklab", "builds"), toolchain: toolchain}
}

// key returns the cache key of the program in dir, and false when it
// cannot be cached: it imports packages beyond the standard library,
// whose sources the key does not cover.
func (c *buildCache) key(dir string) (string, bool) {
	if c.dir == "" {
		return "", false
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return "", false
	}
	h := sha256.New()
	h.Write([]byte(c.toolchain))
	fset := token.NewFileSet()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory: not part of the package
		}
		if strings.HasSuffix(f, ".go") && !stdOnly(fset, f, data) {
			return "", false
		}
		h.Write([]byte(filepath.Base(f) + "\x00" + strconv.Itoa(len(data)) + "\x00"))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], true
}

// stdOnly reports whether a Go file imports the standard library only.
func stdOnly(fset *token.FileSet, name string, src []byte) bool {
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
	if err != nil {
		return true // the compiler will say what is wrong
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") || first == "socklab" {
			return false
		}
	}
	return true
}

// lookup returns the cached executable of prog for key, if there is one.
func (c *buildCache) lookup(key, prog string) (string, bool) {
	entry := filepath.Join(c.dir, key)
	path := filepath.Join(entry, prog)
	if _, err := os.Stat(path); err != nil {
		return "", false
	}
	now := time.Now()
	os.Chtimes(entry, now, now) // most recently used: kept longest
	return path, true
}

// store moves the executable built at built into the cache under key and
// returns its new path. If another grader stored the same key meanwhile,
// that one is kept.
func (c *buildCache) store(key, prog, built string) (string, error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(c.dir, ".new-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.Rename(built, filepath.Join(tmp, prog)); err != nil {
		return "", err
	}
	entry := filepath.Join(c.dir, key)
	if err := os.Rename(tmp, entry); err != nil {
		if path, ok := c.lookup(key, prog); ok {
			return path, nil
		}
		return "", err
	}
	return filepath.Join(entry, prog), nil
}

// prune removes all but the cacheEntries most recently used entries.
func (c *buildCache) prune() {
	if c.dir == "" {
		return
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil || len(entries) <= cacheEntries {
		return
	}
	type aged struct {
		name string
		mod  time.Time
	}
	var all []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			all = append(all, aged{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b aged) int { return b.mod.Compare(a.mod) })
	for _, a := range all[min(cacheEntries, len(all)):] {
		os.RemoveAll(filepath.Join(c.dir, a.name))
	}
}
