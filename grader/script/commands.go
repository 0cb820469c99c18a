//go:build unix

package script

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"
)

// A Command is a scenario command. None of them accepts testscript's "!"
// prefix: each one states what must happen.
type Command func(ts *testscript.TestScript, args []string)

// Commands returns the scenario commands by name, ready for
// testscript.Params.Cmds.
func Commands() map[string]func(*testscript.TestScript, bool, []string) {
	cmds := map[string]Command{
		// student programs
		"start":   Start,
		"input":   Input,
		"waitfor": WaitFor,
		"await":   Await,
		"signal":  Signal,
		"exact":   Exact,
		// the grader's side of the network
		"port":     Port,
		"hold":     Hold,
		"listen":   Listen,
		"accept":   Accept,
		"dial":     Dial,
		"send":     Send,
		"recvline": RecvLine,
		"recvall":  RecvAll,
		"shutdown": Shutdown,
		"close":    Close,
		"reset":    Reset,
		"relay":    Relay,
		"relayed":  Relayed,
	}
	out := make(map[string]func(*testscript.TestScript, bool, []string), len(cmds))
	for name, cmd := range cmds {
		out[name] = func(ts *testscript.TestScript, neg bool, args []string) {
			if neg {
				stateOf(ts).abort(ts, "%s does not take '!': say what must happen instead", name)
			}
			cmd(ts, args)
		}
	}
	return out
}

// Names returns the names of the scenario commands.
func Names() []string {
	var names []string
	for name := range Commands() {
		names = append(names, name)
	}
	return names
}

// Condition evaluates the conditions scenarios may use beyond testscript's
// own: [ipv6] holds when the machine has an IPv6 loopback address (::1).
func Condition(cond string) (bool, error) {
	switch cond {
	case "ipv6":
		return hasIPv6Loopback(), nil
	}
	return false, errUnknownCondition(cond)
}

type errUnknownCondition string

func (e errUnknownCondition) Error() string { return "unknown condition " + string(e) }

var hasIPv6Loopback = sync.OnceValue(func() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
})

// flags starts the flag set of a command. Flags come before the other
// arguments.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs and checks that between min and max arguments
// (max < 0: any number) remain; if not, the script fails with usage.
// A usage error is the scenario's mistake: it aborts.
func parse(ts *testscript.TestScript, fs *flag.FlagSet, args []string, min, max int, usage string) []string {
	if err := fs.Parse(args); err != nil {
		stateOf(ts).abort(ts, "usage: %s (%v)", usage, err)
	}
	rest := fs.Args()
	if len(rest) < min || (max >= 0 && len(rest) > max) {
		stateOf(ts).abort(ts, "usage: %s", usage)
	}
	return rest
}

// within returns the context a command waits in: the scenario's, cut to d
// when d > 0.
func within(st *State, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(st.ctx, d)
	}
	return context.WithCancel(st.ctx)
}

// text turns a scenario's TEXT argument into bytes (see unescape), or
// aborts the script.
func text(ts *testscript.TestScript, s string) []byte {
	b, err := unescape(s)
	if err != nil {
		stateOf(ts).abort(ts, "%v", err)
	}
	return b
}

// unescape takes Go's escapes (\n, \t, \r, \\, \xNN, \u00e9, ...) in s,
// since testscript's quotes take none.
func unescape(s string) ([]byte, error) {
	var b []byte
	for rest := s; len(rest) > 0; {
		r, multibyte, tail, err := strconv.UnquoteChar(rest, 0)
		if err != nil {
			return nil, fmt.Errorf("bad escape in %q: %v", s, err)
		}
		if r < utf8.RuneSelf || !multibyte {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
		rest = tail
	}
	return b, nil
}
