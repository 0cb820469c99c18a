//go:build unix

package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
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
		"GOEXPERIMENT").Output()
	if err != nil {
		return &buildCache{}
	}
	toolchain := string(out) + "CGO_ENABLED=0\n" + strings.Join(buildFlags, " ")
	return &buildCache{dir: filepath.Join(base, "socklab", "builds"), toolchain: toolchain}
}

// key returns the cache key of program prog built from the files in dir:
// a hash of the toolchain, the program's name and the files; "" when
// there is no cache.
func (c *buildCache) key(dir, prog string) string {
	if c.dir == "" {
		return ""
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(c.toolchain + "\x00" + prog + "\x00"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory: not part of the package
		}
		h.Write([]byte(filepath.Base(f) + "\x00" + strconv.Itoa(len(data)) + "\x00"))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// lookup returns the cached executable of prog for key, if there is one
// and it is still the one that was built: a program being graded may have
// written over the cache (the grader's user is its user, where it is not
// sandboxed), and a changed executable is dropped, to be built again.
func (c *buildCache) lookup(key, prog string) (string, bool) {
	if key == "" {
		return "", false
	}
	entry := filepath.Join(c.dir, key)
	path := filepath.Join(entry, prog)
	want, err := os.ReadFile(path + sumSuffix)
	if err != nil || fileSum(path) != strings.TrimSpace(string(want)) {
		os.RemoveAll(entry)
		return "", false
	}
	now := time.Now()
	os.Chtimes(entry, now, now) // most recently used: kept longest
	return path, true
}

// sumSuffix names the file beside a cached executable that holds its
// SHA-256, recorded when it was built.
const sumSuffix = ".sha256"

// fileSum is the SHA-256 of the file at path, or "" if it cannot be read.
func fileSum(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// slot returns a new directory in the cache to build into, so that keep
// can move the result in with a rename on the same filesystem.
func (c *buildCache) slot() (string, error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(c.dir, ".new-")
}

// keep makes the slot holding prog, built, the entry of key, and returns
// the executable's path there. If another grader stored the same key
// meanwhile, that one serves; if the slot cannot become the entry at all,
// the executable moves to fallback, so that this grade still has it.
func (c *buildCache) keep(key, slot, prog, fallback string) string {
	entry := filepath.Join(c.dir, key)
	sum := fileSum(filepath.Join(slot, prog))
	if sum == "" || os.WriteFile(filepath.Join(slot, prog+sumSuffix), []byte(sum+"\n"), 0o644) != nil {
		os.Rename(filepath.Join(slot, prog), fallback)
		return fallback
	}
	if err := os.Rename(slot, entry); err == nil {
		return filepath.Join(entry, prog)
	}
	if path, ok := c.lookup(key, prog); ok {
		return path
	}
	if err := os.Rename(filepath.Join(slot, prog), fallback); err != nil {
		return filepath.Join(slot, prog) // left where it is, for this grade
	}
	return fallback
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
