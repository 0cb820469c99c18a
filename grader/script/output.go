//go:build unix

package script

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
	"socklab/grader/proc"
)

// The checks of what a program printed. Each looks at a program that has
// exited (await it first), by the name the scenario gave it.
//
// Behaviour scenarios check the behaviour they name and tolerate the
// conventions: printed ignores whitespace around the lines it looks for,
// reported finds an error on either stream, after a prefix such as a log
// timestamp, whatever the exit status. Each convention is checked once, in
// a family of its own: exact for the exact text of a run (format-*), and
// errstream, errformat and errstatus for how an error is reported
// (streams-*, format-*, exit-*). Those three judge an error only if the
// program reported it at all: one that did not is charged by the
// behaviour scenario, once.

// Printed checks that a program printed the pieces TEXT on a stream, in
// order: each piece starts a line, one follows another with nothing but
// spaces and line breaks between them, and the last ends a line. Spaces
// and blank lines around them do not count, nor do other lines before or
// after them, unless -only: then the stream holds nothing else. With
// -file, the contents of a file of the scenario (less its last newline)
// are the one piece.
//
//	printed [-only] [-file FILE] NAME stdout|stderr [TEXT...]
func Printed(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("printed")
	file := fs.String("file", "", "")
	only := fs.Bool("only", false, "")
	args = parse(ts, fs, args, 2, -1)
	p := st.finished(ts, args[0])
	stream, out := st.output(ts, p, args[1])
	var pieces []string
	if *file != "" {
		pieces = append(pieces, strings.TrimSuffix(ts.ReadFile(*file), "\n"))
	}
	for _, a := range args[2:] {
		pieces = append(pieces, string(text(ts, a)))
	}
	if len(pieces) == 0 {
		st.abort(ts, "usage: %s (no TEXT)", usage("printed"))
	}
	var re strings.Builder
	re.WriteString(`(?m)^[ \t]*`)
	if *only {
		re.Reset()
		re.WriteString(`\A\s*`)
	}
	quoted := make([]string, len(pieces))
	for i, piece := range pieces {
		piece = strings.TrimSpace(piece)
		if i > 0 {
			re.WriteString(`\s*`)
		}
		re.WriteString(regexp.QuoteMeta(piece))
		quoted[i] = strconv.Quote(piece)
	}
	if *only {
		re.WriteString(`\s*\z`)
	} else {
		re.WriteString(`[ \t\r]*$`)
	}
	if regexp.MustCompile(re.String()).MatchString(out) {
		return
	}
	want := "a line " + quoted[0] + " (spaces and blank lines around it do not count)"
	if len(quoted) > 1 {
		want = strings.Join(quoted, " then ") + ", with nothing but spaces or line breaks between them"
	}
	if *only {
		want += ", and nothing else"
	}
	ts.Fatalf("%s's %s is %s; want %s", p.Name, stream, quoteGot(out), want)
}

// Exact checks that what a program printed on a stream is exactly TEXT
// (” for nothing at all), or exactly the contents of a file of the
// scenario with -file.
//
//	exact [-file FILE] NAME stdout|stderr [TEXT]
func Exact(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("exact")
	file := fs.String("file", "", "")
	args = parse(ts, fs, args, 2, 3)
	p := st.finished(ts, args[0])
	stream, got := st.output(ts, p, args[1])
	var want []byte
	switch {
	case *file != "" && len(args) == 2:
		want = []byte(ts.ReadFile(*file))
	case *file == "" && len(args) == 3:
		want = text(ts, args[2])
	default:
		st.abort(ts, "usage: %s (TEXT or -file, not both)", usage("exact"))
	}
	if got != string(want) {
		ts.Fatalf("%s's %s is %s; want exactly %s", p.Name, stream, quoteGot(got), peer.Quote(want))
	}
}

// Reported checks that a program reported an error: a line matching
// PATTERN (a Go regular expression, matched against each line) on stderr
// or stdout, after a prefix such as a log timestamp if there is one ("^"
// is where the message starts), whatever its exit status.
//
//	reported NAME PATTERN
func Reported(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("reported"), args, 2, 2)
	p := st.finished(ts, args[0])
	if len(st.reports(ts, p, args[1])) == 0 {
		ts.Fatalf("want %s on stderr or stdout (after a prefix such as a timestamp, if any); %s printed none",
			describe(args[1]), p.Name)
	}
}

// ErrStream checks, if a program reported an error matching PATTERN (as
// reported finds it), that it did so on stderr and not on stdout, and
// that its stdout holds nothing but the pieces STDOUT (as printed takes
// them; nothing at all without STDOUT).
//
//	errstream NAME PATTERN [STDOUT...]
func ErrStream(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("errstream"), args, 2, -1)
	p := st.finished(ts, args[0])
	reports := st.reports(ts, p, args[1])
	if len(reports) == 0 {
		return // not reported: the behaviour scenario says so
	}
	for _, r := range reports {
		if r.stream == "stdout" {
			ts.Fatalf("%s printed its error on stdout: %s; errors go to stderr", p.Name, quoteGot(r.line))
		}
	}
	var want strings.Builder
	want.WriteString(`\A\s*`)
	var quoted []string
	for _, a := range args[2:] {
		piece := strings.TrimSpace(string(text(ts, a)))
		want.WriteString(regexp.QuoteMeta(piece) + `\s*`)
		quoted = append(quoted, strconv.Quote(piece))
	}
	want.WriteString(`\z`)
	if out := p.Stdout.String(); !regexp.MustCompile(want.String()).MatchString(out) {
		allowed := "nothing"
		if len(quoted) > 0 {
			allowed = "nothing but " + strings.Join(quoted, " then ")
		}
		ts.Fatalf("%s's stdout is %s; when it fails with %s, want %s there (errors go to stderr)",
			p.Name, quoteGot(out), quoteGot(reports[0].line), allowed)
	}
}

// ErrFormat checks, if a program reported an error matching PATTERN (as
// reported finds it), that the line matches PATTERN as written, with no
// prefix before it (such as the timestamp of Go's log package).
//
//	errformat NAME PATTERN
func ErrFormat(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("errformat"), args, 2, 2)
	p := st.finished(ts, args[0])
	for _, r := range st.reports(ts, p, args[1]) {
		if r.bare {
			continue
		}
		hint := ""
		if logTimestamp.MatchString(r.line) {
			hint = " (Go's log package adds the date and time: print the line with fmt.Fprintln(os.Stderr, ...) instead)"
		}
		ts.Fatalf("%s printed %s; want %s, with nothing before it%s",
			p.Name, quoteGot(r.line), describe(args[1]), hint)
	}
}

// logTimestamp is the prefix Go's log package puts before a line.
var logTimestamp = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`)

// ErrStatus checks, if a program reported an error matching PATTERN (as
// reported finds it), that it exited with STATUS.
//
//	errstatus NAME STATUS PATTERN
func ErrStatus(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("errstatus"), args, 3, 3)
	p := st.finished(ts, args[0])
	want, err := strconv.Atoi(args[1])
	if err != nil {
		st.abort(ts, "errstatus: STATUS must be a number, got %q", args[1])
	}
	reports := st.reports(ts, p, args[2])
	if len(reports) > 0 && p.ExitCode() != want {
		ts.Fatalf("%s printed %s and %s; want exit status %d after this error",
			p.Name, quoteGot(reports[0].line), p.Status(), want)
	}
}

// shownCap is how much of what a program printed or sent a failure
// message quotes; what was expected it quotes whole.
const shownCap = 512

// quoteGot quotes what a program printed or sent, cut to shownCap bytes.
func quoteGot[T string | []byte](b T) string { return peer.QuoteCut([]byte(b), shownCap) }

// A report is a line of a program's output that matches a reported
// pattern.
type report struct {
	stream string // stdout or stderr
	line   string // without its end, nor spaces at its end
	bare   bool   // it matches with no prefix before the message
}

// reports returns the lines of p's stderr, then its stdout, that match
// pattern, as written or after a prefix that ends in a space or a tab.
func (st *State) reports(ts *testscript.TestScript, p *proc.Process, pattern string) []report {
	re, err := regexp.Compile(pattern)
	if err != nil {
		st.abort(ts, "bad pattern %q: %v", pattern, err)
	}
	var found []report
	for _, stream := range []struct {
		name string
		out  *proc.Output
	}{{"stderr", p.Stderr}, {"stdout", p.Stdout}} {
		for line := range strings.Lines(stream.out.String()) {
			line = strings.TrimRight(line, " \t\r\n")
			if re.MatchString(line) {
				found = append(found, report{stream.name, line, true})
				continue
			}
			for i := 1; i < len(line); i++ {
				if (line[i-1] == ' ' || line[i-1] == '\t') && re.MatchString(line[i:]) {
					found = append(found, report{stream.name, line, false})
					break
				}
			}
		}
	}
	return found
}

// finished returns the program the scenario named name, which must have
// exited: only then is its output complete.
func (st *State) finished(ts *testscript.TestScript, name string) *proc.Process {
	p := mustProcess(ts, st, name)
	if !p.Exited() {
		st.abort(ts, "%s is still running: await it before checking what it printed", name)
	}
	return p
}

// output returns what p printed on the stream named stream.
func (st *State) output(ts *testscript.TestScript, p *proc.Process, stream string) (string, string) {
	switch stream {
	case "stdout":
		return stream, p.Stdout.String()
	case "stderr":
		return stream, p.Stderr.String()
	}
	st.abort(ts, "want stdout or stderr, got %q", stream)
	return "", ""
}
