//go:build unix

package script

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// A connection that floods a program without reading its answers, and
// the check of its answers (and a group's) once the program closes.

// Flood connects and writes up to COUNT lines in the background without
// reading the answers, and returns once the program stops taking them.
//
//	flood [-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS COUNT LINE
func Flood(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("flood")
	limit := fs.Duration("within", 0, "")
	to := fs.String("to", "", "")
	args = parse(ts, fs, args, 5, 5)
	count, err := strconv.Atoi(args[3])
	if err != nil || count < 1 || count > 10_000_000 {
		st.abort(ts, "flood: COUNT must be a number from 1 to 10000000, got %q", args[3])
	}
	line := peer.Template(text(ts, args[4]))
	if strings.Contains(string(line), "\n") {
		st.abort(ts, "flood: LINE is one line: the grader adds the newline")
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	c, err := peer.DialFlood(ctx, args[1], args[2], st.giveUp(*to))
	if err != nil {
		ts.Fatalf("cannot connect to %s: %v", args[2], err)
	}
	st.keep(ts, kindConn, args[0], c)
	// The writing goes on, in the scenario's time, after the command.
	f := peer.StartFlood(st.ctx, c, line, count)
	st.keep(ts, kindFlood, args[0], flood{f})
	// The first answer shows the program serves the connection: its system
	// takes a connection's bytes before the program accepts it (and resets
	// them if the program closes its listener first).
	if got, err := c.RecvLine(ctx, 64<<10); err != nil {
		ts.Fatalf("the grader's connection %s flooded the program with lines and received %s; want an answer to the first",
			args[0], received(got, err))
	}
	if err := f.Stalled(ctx); err != nil {
		ts.Fatalf("the grader's connection %s flooded the program with lines, not reading the answers: %v", args[0], err)
	}
}

// flood is a Flood as a resource of the scenario: its connection closes it.
type flood struct{ *peer.Flood }

func (flood) Close() error { return nil }

// flooded returns the flood of the connection called name, if it is one.
func (st *State) flooded(name string) (flood, bool) {
	if name == "" {
		return flood{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.reg.find(kindFlood, name)
	if !ok {
		return flood{}, false
	}
	return r.(flood), true
}

// sentLines returns the lines the connection called name sent: a flood's
// (once it stopped writing), or its transcript's.
func (st *State) sentLines(ts *testscript.TestScript, name string, c *peer.Conn, tail bool) []string {
	st.mu.Lock()
	r, flooded := st.reg.find(kindFlood, name)
	st.mu.Unlock()
	if flooded {
		f := r.(flood)
		if err := f.Wait(st.ctx); err != nil {
			ts.Fatalf("the grader's connection %s was still flooding the program at the time limit: shut it down first", name)
		}
		return f.Lines(tail)
	}
	if c.Truncated() {
		st.abort(ts, "%s sent more than the grader's transcript keeps: flood keeps what it sends", name)
	}
	return peer.Lines(c.Sent(), tail)
}

// A member is one grader connection a command checks: a connection, or
// one of a group's.
type member struct {
	label string // how a message names it
	name  string // the connection's name, or "" in a group
	c     *peer.Conn
	g     *group
	i     int // its index in g
}

// members returns the connections called name: a connection, or a
// group's.
func (st *State) members(ts *testscript.TestScript, name string) []member {
	st.mu.Lock()
	r, isConn := st.reg.find(kindConn, name)
	if !isConn {
		r, _ = st.reg.find(kindGroup, name)
	}
	st.mu.Unlock()
	switch v := r.(type) {
	case *peer.Conn:
		return []member{{label: "the grader's connection " + name, name: name, c: v}}
	case *group:
		ms := make([]member, len(v.conns))
		for i, c := range v.conns {
			ms[i] = member{label: fmt.Sprintf("connection %d of group %s", i+1, name), c: c, g: v, i: i}
		}
		return ms
	}
	st.abort(ts, "no connection or group named %q", name)
	return nil
}

func (m member) lines(ts *testscript.TestScript, st *State, tail bool) []string {
	if m.name != "" {
		return st.sentLines(ts, m.name, m.c, tail)
	}
	return peer.Lines(m.c.Sent(), tail)
}

// Answered reads until the program closes and checks it answered each
// line the connection sent (each connection of a group), in order.
//
//	answered [-within DURATION] [-tail] CONN|GROUP ANSWER
func Answered(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("answered")
	limit := fs.Duration("within", 0, "")
	tail := fs.Bool("tail", false, "")
	args = parse(ts, fs, args, 2, 2)
	answer := peer.Template(text(ts, args[1]))
	ms := st.members(ts, args[0])
	ctx, cancel := within(st, *limit)
	defer cancel()
	problems := make([]string, len(ms))
	var wg sync.WaitGroup
	for k, m := range ms {
		lines := m.lines(ts, st, *tail)
		// A flood stopped by shutdown may have cut its last line short:
		// answered or not, either will do (eof-line scenarios judge text
		// ended by EOF).
		var cut []string
		if f, ok := st.flooded(m.name); ok && !*tail {
			if withTail := f.Lines(true); len(withTail) > len(lines) {
				cut = withTail
			}
		}
		// The answers taken already (by recvline, exchange) are not read
		// again: the check starts at the first line not answered yet.
		taken, ok := m.c.Taken()
		if !ok {
			st.abort(ts, "%s received more than the grader's transcript keeps before answered", m.label)
		}
		first := min(strings.Count(string(taken), "\n"), len(lines))
		wg.Go(func() {
			got, err := m.c.RecvAll(ctx, 64<<20)
			addr := m.c.LocalAddr().String()
			p := peer.Answers(got, lines[first:], first, answer, addr)
			if p != "" && cut != nil && peer.Answers(got, cut[first:], first, answer, addr) == "" {
				p = ""
			}
			switch {
			case err != nil && p != "":
				problems[k] = fmt.Sprintf("%s received %s; %s", m.label, received(got, err), p)
			case err != nil:
				problems[k] = fmt.Sprintf("%s received every answer, then %s; want EOF (the program closes the connection)",
					m.label, ended(err))
			case p != "":
				problems[k] = fmt.Sprintf("%s received %d bytes then EOF: %s", m.label, len(got), p)
			}
		})
	}
	wg.Wait()
	for k, p := range problems {
		if p != "" {
			if ms[k].g != nil {
				ms[k].g.fail(ms[k].i)
			}
			ts.Fatalf("%s", p)
		}
	}
}

// ended says how a receive that got everything it wanted ended.
func ended(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "nothing more before the time limit, and no EOF"
	}
	return peer.Explain(err)
}
