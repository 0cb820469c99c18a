//go:build unix

package script

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/imports"
	"github.com/rogpeppe/go-internal/testscript"
)

// A Command is a scenario command. None of them accepts testscript's "!"
// prefix: each one states what must happen.
type Command func(ts *testscript.TestScript, args []string)

// A Spec describes a scenario command. The table of Specs is the one
// source of the commands' usage, the grader's help, the command reference
// in grader/README.md, and the names lint knows.
type Spec struct {
	Name       string
	Args       string // its arguments, as its usage shows them
	Summary    string // one line
	Detail     string // the rest of what it does, for help and the reference
	Group      string // programs, output or network: where the reference lists it
	Background bool   // it starts something that goes on while the scenario does
	Pattern    int    // which of its arguments (after its flags, from 1) is a PATTERN or REGEXP; 0: none
	Run        Command
}

// Usage is the command's usage line.
func (s Spec) Usage() string {
	if s.Args == "" {
		return s.Name
	}
	return s.Name + " " + s.Args
}

// The groups of commands, in the reference's order.
const (
	groupPrograms = "The student's programs"
	groupOutput   = "What they printed"
	groupNetwork  = "The grader's side of the network"
)

// Groups are the groups of the table, in order.
var Groups = []string{groupPrograms, groupOutput, groupNetwork}

// specs is the table, in the reference's order.
var specs []Spec

func init() {
	specs = []Spec{
		{Name: "start", Args: "[-as NAME] PROGRAM [ARG...]", Group: groupPrograms, Background: true, Run: Start,
			Summary: "start one of the assignment's programs in the background",
			Detail: "PROGRAM is server, client, ...; the scenario calls it NAME (PROGRAM unless -as). It runs in its own " +
				"process group, with an open, empty stdin, and is killed with everything it forked when the scenario ends."},
		{Name: "input", Args: "[-close] NAME [TEXT]", Group: groupPrograms, Run: Input,
			Summary: "write TEXT to a program's stdin",
			Detail:  "-close then closes its stdin: it reads EOF."},
		{Name: "waitfor", Args: "[-within DURATION] NAME stdout|stderr REGEXP", Group: groupPrograms, Pattern: 3, Run: WaitFor,
			Summary: "wait until a program has printed a line matching REGEXP",
			Detail:  "REGEXP is a Go regular expression in multi-line mode. Fails if the program exits without printing it."},
		{Name: "await", Args: "[-within DURATION] NAME [STATUS]", Group: groupPrograms, Run: Await,
			Summary: "wait for a program to exit, and check its exit status",
			Detail: "STATUS is exactly the status wanted (0 for a program that succeeded); without STATUS any status " +
				"will do, for a behaviour scenario where the program fails (the exit-* family checks the status)."},
		{Name: "signal", Args: "NAME INT|TERM|HUP|QUIT|KILL|USR1|USR2|PIPE", Group: groupPrograms, Run: Signal,
			Summary: "send a signal to a program's process group",
			Detail:  "As a terminal does on Ctrl-C (INT)."},

		{Name: "printed", Args: "[-file FILE] NAME stdout|stderr [TEXT...]", Group: groupOutput, Run: Printed,
			Summary: "check a program printed the line TEXT (or lines), whitespace around them aside",
			Detail: "Each TEXT starts a line, the next follows it with nothing but spaces and line breaks between them " +
				"(a prompt, then the reply), and the last ends a line. Spaces and blank lines around them do not count, nor " +
				"do other lines. -file takes the one TEXT from a file of the scenario. For behaviour scenarios."},
		{Name: "exact", Args: "[-file FILE] NAME stdout|stderr [TEXT]", Group: groupOutput, Run: Exact,
			Summary: "check a program printed exactly TEXT, and nothing else",
			Detail:  "'' is nothing at all; -file takes TEXT from a file of the scenario. For the format-* family."},
		{Name: "reported", Args: "NAME PATTERN", Group: groupOutput, Pattern: 2, Run: Reported,
			Summary: "check a program reported an error: a line matching PATTERN",
			Detail: "On stderr or stdout, after a prefix (such as a log timestamp) if any: ^ in PATTERN is where the " +
				"message starts. For behaviour scenarios."},
		{Name: "errstream", Args: "NAME PATTERN [STDOUT...]", Group: groupOutput, Pattern: 2, Run: ErrStream,
			Summary: "if a program reported PATTERN, check it did so on stderr, and stdout holds only STDOUT",
			Detail: "STDOUT are pieces as printed takes them (none: nothing at all). A program that did not report the " +
				"error passes: the behaviour scenario charges that. For the streams-* family."},
		{Name: "errformat", Args: "NAME PATTERN", Group: groupOutput, Pattern: 2, Run: ErrFormat,
			Summary: "if a program reported PATTERN, check the line has nothing before the message",
			Detail:  "A program that did not report the error passes. For the format-* family."},
		{Name: "errstatus", Args: "NAME STATUS PATTERN", Group: groupOutput, Pattern: 3, Run: ErrStatus,
			Summary: "if a program reported PATTERN, check it exited with STATUS",
			Detail:  "A program that did not report the error passes. For the exit-* family."},

		{Name: "port", Args: "VAR...", Group: groupNetwork, Run: Port,
			Summary: "lease a free port for this scenario and set $VAR to it",
			Detail:  "No other scenario, nor another grader on the machine, gets it while this scenario runs."},
		{Name: "hold", Args: "NETWORK ADDRESS", Group: groupNetwork, Run: Hold,
			Summary: "occupy an address, so that a program cannot bind it",
			Detail:  "A stream socket listens and never accepts; a datagram socket is bound. :$PORT holds IPv4 and IPv6."},
		{Name: "listen", Args: "NAME NETWORK ADDRESS", Group: groupNetwork, Run: Listen,
			Summary: "listen as a scripted server, on a stream network",
			Detail:  "accept takes the connections."},
		{Name: "accept", Args: "[-within DURATION] [-from PROGRAM] LISTENER CONN", Group: groupNetwork, Run: Accept,
			Summary: "wait for a program to connect to a listener, and name the connection CONN",
			Detail:  "Gives up when PROGRAM has exited, or without -from when every program has."},
		{Name: "dial", Args: "[-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS", Group: groupNetwork, Run: Dial,
			Summary: "connect as a scripted client, retrying until the server listens",
			Detail: "Gives up when PROGRAM has exited (without -to: every program), or, when ADDRESS is IPv6 and the " +
				"program listens on its port over IPv4 only, a second after that shows. The connection it makes is the " +
				"scenario's: a server that serves one client is not spent on a readiness check. Over udp it connects at once."},
		{Name: "send", Args: "[-chunk N] [-gap DURATION] [-file FILE] CONN [TEXT]", Group: groupNetwork, Run: Send,
			Summary: "send TEXT, or a file of the scenario, on a grader connection",
			Detail:  "-chunk N sends it in pieces of N bytes, -gap apart (on a datagram socket, one datagram a piece)."},
		{Name: "recvline", Args: "[-within DURATION] CONN [TEXT]", Group: groupNetwork, Run: RecvLine,
			Summary: "read one line (through its newline) and check it is exactly TEXT",
			Detail:  "Without TEXT any line will do (the grader only takes it)."},
		{Name: "recvall", Args: "[-within DURATION] CONN [TEXT]", Group: groupNetwork, Run: RecvAll,
			Summary: "read until the program closes (EOF) and check what came is exactly TEXT",
			Detail:  "'' is nothing at all; without TEXT anything will do (the grader only drains the connection)."},
		{Name: "shutdown", Args: "CONN", Group: groupNetwork, Run: Shutdown,
			Summary: "half-close a grader connection: shutdown(SHUT_WR), the program reads EOF"},
		{Name: "close", Args: "CONN", Group: groupNetwork, Run: Close,
			Summary: "close a grader connection normally (FIN)",
			Detail:  "Read what the program sent first: unread bytes make the kernel reset the connection instead."},
		{Name: "reset", Args: "CONN", Group: groupNetwork, Run: Reset,
			Summary: "abort a grader connection with a reset (RST), then wait 100 ms",
			Detail: "Some network stacks (gVisor) hand the reset to the program's socket a moment after the close, and " +
				"nothing outside that socket can tell when."},
		{Name: "relay", Args: "-to PROGRAM NAME NETWORK LISTEN TARGET", Group: groupNetwork, Background: true, Run: Relay,
			Summary: "stand between a student client and the student server PROGRAM, recording both ways",
			Detail: "Listens on LISTEN at once; for each client it connects to TARGET, retrying until the server listens " +
				"or exits. Half-closes and resets pass through."},
		{Name: "relayed", Args: "[-within DURATION] NAME UP DOWN", Group: groupNetwork, Run: Relayed,
			Summary: "wait for the first relayed conversation to end, and check both ways exactly",
			Detail:  "UP is what the client sent, DOWN what the server answered."},
	}
	byName = make(map[string]Spec, len(specs))
	for _, s := range specs {
		byName[s.Name] = s
	}
}

// byName indexes specs.
var byName map[string]Spec

// Specs returns the table of scenario commands, in the reference's order.
func Specs() []Spec { return append([]Spec(nil), specs...) }

// Lookup returns the command called name.
func Lookup(name string) (Spec, bool) {
	s, ok := byName[name]
	return s, ok
}

// Commands returns the scenario commands by name, ready for
// testscript.Params.Cmds.
func Commands() map[string]func(*testscript.TestScript, bool, []string) {
	out := make(map[string]func(*testscript.TestScript, bool, []string), len(specs))
	for _, s := range specs {
		out[s.Name] = func(ts *testscript.TestScript, neg bool, args []string) {
			if neg {
				stateOf(ts).abort(ts, "%s does not take '!': say what must happen instead", s.Name)
			}
			s.Run(ts, args)
		}
	}
	return out
}

// Names returns the names of the scenario commands.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// valueFlags are the flags of the scenario commands that take a value.
var valueFlags = []string{"as", "within", "from", "to", "chunk", "gap", "file"}

// Positional returns a command's arguments without its flags, as the
// command parses them: "-within 1s server 0" is "server 0".
func Positional(args []string) []string {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		args = args[1:]
		if name == "" { // "--" ends the flags
			break
		}
		if !hasValue && slices.Contains(valueFlags, name) && len(args) > 0 {
			args = args[1:]
		}
	}
	return args
}

// usage is the usage line of the command called name.
func usage(name string) string { return byName[name].Usage() }

// Condition evaluates the conditions scenarios may use beyond testscript's
// own: [ipv6] holds when the machine has an IPv6 loopback address (::1).
func Condition(cond string) (bool, error) {
	switch cond {
	case "ipv6":
		return hasIPv6Loopback(), nil
	}
	return false, errUnknownCondition(cond)
}

// Ran reports whether a script line runs on this machine: false when a
// [condition] before its command does not hold here. A condition it
// cannot tell counts as holding.
func Ran(line string) bool {
	for _, w := range strings.Fields(line) {
		if !strings.HasPrefix(w, "[") || !strings.HasSuffix(w, "]") {
			break
		}
		cond, want := strings.TrimSpace(w[1:len(w)-1]), true
		if c, neg := strings.CutPrefix(cond, "!"); neg {
			cond, want = strings.TrimSpace(c), false
		}
		if ok, known := holds(cond); known && ok != want {
			return false
		}
	}
	return true
}

// holds evaluates a condition as testscript does, for those it can tell
// without a script: ours, unix, and the operating systems and
// architectures.
func holds(cond string) (ok, known bool) {
	switch {
	case cond == "unix", cond == runtime.GOOS, cond == runtime.GOARCH:
		return true, true
	case imports.KnownOS[cond], imports.KnownArch[cond]:
		return false, true
	}
	ok, err := Condition(cond)
	return ok, err == nil
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

// flags starts the flag set of the command called name. Flags come before
// the other arguments.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs and checks that between min and max arguments
// (max < 0: any number) remain; if not, the script fails with the
// command's usage. A usage error is the scenario's mistake: it aborts.
func parse(ts *testscript.TestScript, fs *flag.FlagSet, args []string, min, max int) []string {
	if err := fs.Parse(args); err != nil {
		stateOf(ts).abort(ts, "usage: %s (%v)", usage(fs.Name()), err)
	}
	rest := fs.Args()
	if len(rest) < min || (max >= 0 && len(rest) > max) {
		stateOf(ts).abort(ts, "usage: %s", usage(fs.Name()))
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
