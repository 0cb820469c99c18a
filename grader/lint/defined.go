//go:build unix

package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"socklab/grader/script"
)

// variable finds $NAME and ${NAME} in an argument.
var variable = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// undefined checks the names a scenario's lines use against the lines
// that define them, in order: a program, connection, listener or relay
// used before the line that starts or opens it, and a $VAR used before
// the port line that sets it. A name that a command only waits for (dial
// -to, relay -to) may come from any line. It returns problems by line
// (from 1).
func undefined(lines []string) map[int][]string {
	defined := map[key]int{} // -> the line that defines it
	ports := map[string]int{}
	var parsed [][]string
	for _, line := range lines {
		args, ok := splitLine(line)
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			args = nil // Line says what is wrong with it
		}
		var words []string
		for _, a := range commandArgs(args) {
			words = append(words, a.text)
		}
		parsed = append(parsed, words)
	}
	// Every definition, first: for the names a command only waits for.
	for i, words := range parsed {
		if len(words) == 0 {
			continue
		}
		spec, ok := script.Lookup(words[0])
		if !ok {
			continue
		}
		for _, n := range spec.Names {
			if name, ok := nameArg(n, words[1:]); ok && n.Defines {
				if _, seen := defined[key{n.Kinds[0], name}]; !seen {
					defined[key{n.Kinds[0], name}] = i + 1
				}
			}
		}
		if words[0] == "port" {
			for _, v := range words[1:] {
				if _, seen := ports[v]; !seen {
					ports[v] = i + 1
				}
			}
		}
	}
	problems := map[int][]string{}
	for i, words := range parsed {
		if len(words) == 0 {
			continue
		}
		n := i + 1
		for _, w := range words[1:] {
			for _, m := range variable.FindAllStringSubmatch(w, -1) {
				if at, ok := ports[m[1]]; ok && at > n {
					problems[n] = append(problems[n], fmt.Sprintf("$%s is used before line %d leases it (port %s)", m[1], at, m[1]))
				}
			}
		}
		spec, ok := script.Lookup(words[0])
		if !ok {
			continue
		}
		for _, nm := range spec.Names {
			name, ok := nameArg(nm, words[1:])
			if !ok || nm.Defines {
				continue
			}
			at, known := 0, false
			for _, k := range nm.Kinds {
				if l, ok := defined[key{k, name}]; ok && (!known || l < at) {
					at, known = l, true
				}
			}
			what := nm.Kinds[0].Name
			for _, k := range nm.Kinds[1:] {
				what += " or " + k.Name
			}
			switch {
			case !known:
				problems[n] = append(problems[n], fmt.Sprintf("%s: no line defines a %s named %q%s",
					words[0], what, name, alike(name, nm.Kinds, defined)))
			case at > n && nm.Flag == "":
				problems[n] = append(problems[n], fmt.Sprintf("%s: the %s %q is used before line %d defines it",
					words[0], what, name, at))
			}
		}
	}
	return problems
}

// nameArg returns the name that n says a command's arguments give.
func nameArg(n script.Name, args []string) (string, bool) {
	if n.Flag != "" {
		if v, ok := script.FlagValue(args, n.Flag); ok {
			return v, true
		}
		if n.Pos == 0 {
			return "", false
		}
	}
	pos := script.Positional(args)
	if n.Pos < 1 || len(pos) < n.Pos {
		return "", false
	}
	return pos[n.Pos-1], true
}

// A key is a name of a kind.
type key struct {
	kind *script.Kind
	name string
}

// alike suggests a defined name of the same kind close to name.
func alike(name string, kinds []*script.Kind, defined map[key]int) string {
	var names []string
	for k := range defined {
		if slices.Contains(kinds, k.kind) {
			names = append(names, k.name)
		}
	}
	slices.Sort(names)
	if s := suggest(name, names); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// commandArgs are a line's arguments from its command on: without the
// [conditions] and the '!' before it.
func commandArgs(args []arg) []arg {
	for len(args) > 0 && strings.HasPrefix(args[0].text, "[") && strings.HasSuffix(args[0].text, "]") {
		args = args[1:]
	}
	if len(args) > 0 && args[0].text == "!" {
		args = args[1:]
	}
	return args
}
