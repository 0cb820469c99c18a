//go:build unix

package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/imports"

	"socklab/grader/script"
)

// Builtins are testscript's own commands (go-internal's scriptCmds).
var Builtins = []string{
	"cd", "chmod", "cmp", "cmpenv", "cp", "env", "exec", "exists", "grep", "kill", "mkdir", "mv", "rm",
	"skip", "stderr", "stdin", "stdout", "stop", "symlink", "ttyin", "ttyout", "unix2dos", "unquote", "wait",
}

// outputBuiltins are testscript's commands that check a program's output
// with regular expressions and files; scenarios use the grader's own
// (cmp of two files of the scenario is fine).
var outputBuiltins = []string{"stdout", "stderr", "cmp", "cmpenv"}

// Messages that more than one rule, or a caller, recognizes.
const (
	todoProblem  = "a TODO left in a comment"
	sleepProblem = "sleep: never sleep in a scenario, wait on an event"
)

const sleepAdvice = " (dial retries until the server listens, accept waits for the client, waitfor for output, await for the exit)"

// An arg is one argument of a script line, as testscript splits it.
type arg struct {
	text     string
	expanded bool // an unquoted part holds '$': testscript expands it
}

// splitLine splits a script line into its arguments exactly as testscript
// does (TestScript.parse), without expanding variables: spaces, tabs and
// '\r' separate arguments, '#' outside quotes starts a comment, single
// quotes group and disable expansion, and two quotes inside quotes are one.
// ok is false when a quote is left open.
func splitLine(line string) (args []arg, ok bool) {
	var (
		cur    arg
		start  = -1 // where the current chunk starts, if >= 0
		quoted = false
	)
	chunk := func(s string, unquoted bool) {
		cur.text += s
		if unquoted && strings.Contains(s, "$") {
			cur.expanded = true
		}
	}
	for i := 0; ; i++ {
		if !quoted && (i >= len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '#') {
			if start >= 0 {
				chunk(line[start:i], true)
				args = append(args, cur)
				start, cur = -1, arg{}
			}
			if i >= len(line) || line[i] == '#' {
				return args, true
			}
			continue
		}
		if i >= len(line) {
			return args, false
		}
		if line[i] == '\'' {
			if !quoted {
				if start >= 0 {
					chunk(line[start:i], true)
				}
				start, quoted = i+1, true
				continue
			}
			if i+1 < len(line) && line[i+1] == '\'' { // 'it''s'
				chunk(line[start:i], false)
				start = i + 1
				i++
				continue
			}
			chunk(line[start:i], false)
			start, quoted = i+1, false
			continue
		}
		if start < 0 {
			start = i
		}
	}
}

// goVersion is a testscript condition: go1.22.
var goVersion = regexp.MustCompile(`^go([1-9][0-9]*)\.([1-9][0-9]*)$`)

// knownCondition reports whether cond (without brackets and '!') is one
// of testscript's conditions or a scenario condition (script.Condition).
func knownCondition(cond string) bool {
	switch {
	case cond == "short", cond == "net", cond == "link", cond == "symlink", cond == "unix",
		cond == "gc", cond == "gccgo",
		imports.KnownOS[cond], imports.KnownArch[cond],
		strings.HasPrefix(cond, "exec:") && len(cond) > len("exec:"),
		goVersion.MatchString(cond):
		return true
	}
	_, err := script.Condition(cond)
	return err == nil
}

// sleepProgram is a program that sleeps, by its base name.
var sleepProgram = regexp.MustCompile(`(?i)^(u|nano)?sleep(\.exe)?$`)

// sleepWord finds sleep as a word in a shell command or another program's
// text: "sleep 1", "time.sleep(1)", "Start-Sleep", "usleep".
var sleepWord = regexp.MustCompile(`(?i)(^|[^a-z0-9_])(u|nano)?sleep([^a-z0-9_]|$)`)

// isSleep reports whether a command or program name is a sleep.
func isSleep(name string) bool {
	name = strings.TrimLeft(name, "!")
	return name != "" && sleepProgram.MatchString(path.Base(name))
}

// Line lints one script line. files are the scenario's archive files by
// name, for what exec would run from them.
func Line(line string, files map[string]string) []string {
	trimmed := strings.TrimSpace(line)
	if comment, ok := strings.CutPrefix(trimmed, "#"); ok {
		if strings.HasPrefix(strings.TrimSpace(comment), "TODO") {
			return []string{todoProblem + ": act on it and delete it (students see the scenario's comments)"}
		}
		return nil
	}
	args, ok := splitLine(line)
	if !ok {
		return []string{"a quoted argument is not closed: testscript fails the line"}
	}
	if len(args) == 0 {
		return nil
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	for len(args) > 0 && strings.HasPrefix(args[0].text, "[") && strings.HasSuffix(args[0].text, "]") {
		cond := strings.TrimSpace(args[0].text[1 : len(args[0].text)-1])
		cond = strings.TrimSpace(strings.TrimPrefix(cond, "!"))
		if !args[0].expanded && !knownCondition(cond) {
			add("unknown condition [%s]: use one of testscript's (unix, linux, darwin, short, exec:PROGRAM, ...) or ipv6", cond)
		}
		args = args[1:]
	}
	if len(args) == 0 {
		add("a condition with no command after it")
		return problems
	}
	neg := false
	if args[0].text == "!" {
		neg, args = true, args[1:]
		if len(args) == 0 {
			add("'!' with no command after it")
			return problems
		}
	}
	cmd := args[0]
	rest := make([]string, len(args)-1)
	for i, a := range args[1:] {
		rest[i] = a.text
	}
	scenarioCmds := script.Names()
	switch name := cmd.text; {
	case cmd.expanded:
		add("the command %q comes from a variable: write the command itself, so that it can be checked", name)
	case isSleep(name):
		add("%s%s", sleepProblem, sleepAdvice)
	case name == "exec":
		add("exec: scenarios run no other programs; start the student's programs with start, and play the other side with the grader's commands (dial, listen, accept, send, ...)")
		if sleeps(rest, files) {
			add("%s: exec %s%s", sleepProblem, strings.Join(rest, " "), sleepAdvice)
		}
	case slices.Contains(outputBuiltins, name) && (name == "stdout" || name == "stderr" ||
		slices.ContainsFunc(rest, func(a string) bool { return a == "stdout" || a == "stderr" })):
		add("%s: testscript's output checks tell a student \"no match for `...`\"; check what a program printed with printed, reported or exact (and errstream, errformat, errstatus for conventions), which say in words what was wanted", name)
	case slices.Contains(Builtins, name):
	case slices.Contains(scenarioCmds, name):
		if neg {
			add("'!' before %s: scenario commands take none; say what must happen instead", name)
		}
		spec, _ := script.Lookup(name)
		if pos := script.Positional(rest); spec.Pattern > 0 && len(pos) >= spec.Pattern {
			if _, ok := script.Describe(pos[spec.Pattern-1]); !ok {
				add("%s: the grader cannot put the pattern %q in words for students: use ^TEXT, ^TEXT$ or ^TEXT. (a line that is, begins with, or begins with and goes on after TEXT), (?i) for any case", name, pos[spec.Pattern-1])
			}
		}
		if name == "start" {
			if prog, _ := script.StartedProgram(rest); isSleep(prog) {
				add("%s: start %s%s", sleepProblem, prog, sleepAdvice)
			}
		}
	default:
		msg := fmt.Sprintf("unknown command %q: neither testscript's nor a scenario command", name)
		if s := suggest(name, append(slices.Clone(Builtins), scenarioCmds...)); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		add("%s", msg)
	}
	return problems
}

// sleeps reports whether the arguments of an exec sleep: a program named
// sleep anywhere among them (exec sleep, exec /bin/sleep, exec timeout 5
// sleep 1, exec env sleep), an argument that mentions sleep (sh -c '...;
// sleep 1', python -c 'time.sleep(1)'), or a file of the archive that an
// argument names and that mentions sleep (exec sh wait.sh).
func sleeps(args []string, files map[string]string) bool {
	for _, a := range args {
		if isSleep(a) || sleepWord.MatchString(a) {
			return true
		}
		for name, data := range files {
			if (a == name || strings.HasSuffix(a, "/"+name)) && sleepWord.MatchString(data) {
				return true
			}
		}
	}
	return false
}

// suggest returns the known name closest to name, if it is close.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := distance(strings.TrimLeft(name, "!"), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the edit distance between a and b, a swap of two neighbours
// counting as one edit (optimal string alignment).
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
