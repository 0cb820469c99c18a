//go:build unix

package script

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
	"socklab/grader/proc"
)

// What a program printed about each grader connection: a line for each
// line a connection sent, and the error it reported about one.

// PrintedSent checks a program printed a whole line TEMPLATE for each line
// each connection sent.
//
//	printedsent [-only|-exact] [-tail] NAME stdout|stderr TEMPLATE CONN|GROUP...
func PrintedSent(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("printedsent")
	only := fs.Bool("only", false, "")
	exact := fs.Bool("exact", false, "")
	tail := fs.Bool("tail", false, "")
	args = parse(ts, fs, args, 4, -1)
	p := st.finished(ts, args[0])
	stream, out := st.output(ts, p, args[1])
	tmpl := peer.Template(text(ts, args[2]))

	printed := strings.Split(out, "\n")
	last := printed[len(printed)-1]
	printed = printed[:len(printed)-1] // the last is what follows the last newline
	if last != "" {
		printed = append(printed, last)
	}
	norm := make([]string, len(printed))
	for i, l := range printed {
		norm[i] = l
		if !*exact {
			norm[i] = strings.Trim(l, " \t\r")
		}
	}
	used := make([]bool, len(printed))
	for _, name := range args[3:] {
		for _, m := range st.members(ts, name) {
			addr := m.c.LocalAddr().String()
			from := 0
			for j, l := range m.lines(ts, st, *tail) {
				want := tmpl.Fill(m.i+1, j+1, l, addr)
				at := -1
				for k := from; k < len(norm); k++ {
					if !used[k] && norm[k] == want {
						at = k
						break
					}
				}
				if at < 0 {
					ts.Fatalf("%s's %s has no line %q, for the line %q that %s (%s) sent%s",
						p.Name, stream, want, l, m.label, addr, whyMissing(norm, used, from, want, l))
				}
				used[at] = true
				from = at + 1
			}
		}
	}
	for k, l := range norm {
		switch {
		case *exact && !used[k]:
			ts.Fatalf("%s's %s holds the line %q; want exactly one line per line sent, nothing else", p.Name, stream, l)
		case *only && !used[k] && l != "":
			ts.Fatalf("%s's %s holds the line %q; want nothing but the lines for the lines sent", p.Name, stream, l)
		}
	}
	if *exact && last != "" {
		ts.Fatalf("%s's %s ends with %q and no newline; want each line to end with one", p.Name, stream, last)
	}
}

// whyMissing says what the printed lines show about a line that is not
// among them: there, but before the line wanted before it (out of order);
// mixed with other text; or nothing.
func whyMissing(lines []string, used []bool, from int, want, sent string) string {
	for k := range from {
		if lines[k] == want && !used[k] {
			return "after the lines it sent before it: the lines of one client come in the order it sent them"
		}
	}
	for k, l := range lines {
		if !used[k] && (strings.Contains(l, want) || sent != "" && strings.Contains(l, sent)) {
			return fmt.Sprintf(": the nearest is %q, a line mixed with other text or cut (print each line whole, in one write)", l)
		}
	}
	return ""
}

// ReportedConn checks that a program reported an error about a grader
// connection: a line beginning with TEXT ({addr} filled), and holding one
// of the REASONs if any, on either stream, after a prefix if any.
//
//	reportedconn [-within DURATION] NAME CONN TEXT [REASON...]
func ReportedConn(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("reportedconn")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 3, -1)
	p := mustProcess(ts, st, args[0])
	c := st.conn(ts, args[1])
	want := peer.Template(text(ts, args[2])).Fill(0, 0, "", c.LocalAddr().String())
	var reasons []string
	for _, r := range args[3:] {
		reasons = append(reasons, regexp.QuoteMeta(string(text(ts, r))))
	}
	expr := `(?m)^(?:.*[ \t])?` + regexp.QuoteMeta(want)
	words := fmt.Sprintf("a line beginning with %q", want)
	if len(reasons) > 0 {
		expr += `.*(?:` + strings.Join(reasons, "|") + `)`
		quoted := make([]string, len(args[3:]))
		for i, r := range args[3:] {
			quoted[i] = strconv.Quote(string(text(ts, r)))
		}
		words += " that says " + strings.Join(quoted, " or ")
	}
	re := regexp.MustCompile(expr)
	ctx, cancel := within(st, *limit)
	defer cancel()
	if err := waitEither(ctx, p, re); err != nil {
		if ctx.Err() != nil && !p.Exited() {
			ts.Fatalf("want %s on stderr or stdout (after a prefix such as a timestamp, if any); %s printed none before the time limit",
				words, p.Name)
		}
		ts.Fatalf("want %s on stderr or stdout (after a prefix such as a timestamp, if any); %s %s and printed none",
			words, p.Name, p.Status())
	}
}

// waitEither waits until p's stderr or stdout matches re, or both end
// without it, or ctx ends.
func waitEither(ctx context.Context, p *proc.Process, re *regexp.Regexp) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	for _, o := range []*proc.Output{p.Stderr, p.Stdout} {
		go func() { errs <- o.WaitMatch(ctx, re) }()
	}
	first := <-errs
	if first == nil {
		return nil
	}
	return <-errs
}

// Interfaces the group's kinds rely on.
var (
	_ Resource = (*group)(nil)
	_ Resource = flood{}
)
