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
	Names      []Name // the arguments that name a program, a connection, ...
	Run        Command
}

// A Name is an argument of a command that names a resource of the
// scenario: one the command defines (start defines a program, dial a
// connection), or one it uses, which a line before it must define. A name
// given by a flag that only says when to stop waiting (dial -to, relay -to)
// may be defined anywhere in the scenario: the command waits for it.
type Name struct {
	Kinds   []*Kind // what it names: one of these
	Pos     int     // its position among the arguments after the flags, from 1
	Flag    string  // or the flag that gives it ("to"); with Pos too, the flag wins when it is there ("as")
	Defines bool
}

// Lint-time shorthands for the table.
func uses(pos int, ks ...*Kind) Name   { return Name{Kinds: ks, Pos: pos} }
func defines(k *Kind, pos int) Name    { return Name{Kinds: []*Kind{k}, Pos: pos, Defines: true} }
func awaits(k *Kind, flag string) Name { return Name{Kinds: []*Kind{k}, Flag: flag} }

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
			Names:   []Name{{Kinds: []*Kind{kindProgram}, Pos: 1, Flag: "as", Defines: true}},
			Summary: "start one of the assignment's programs in the background",
			Detail: "PROGRAM is server, client, ...; the scenario calls it NAME (PROGRAM unless -as). It runs in its own " +
				"process group, with an open, empty stdin, and is killed with everything it forked when the scenario ends."},
		{Name: "input", Args: "[-close] NAME [TEXT]", Group: groupPrograms, Run: Input,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "write TEXT to a program's stdin",
			Detail: "-close then closes its stdin: it reads EOF. A program that exited before reading it is no failure " +
				"of input's (the text is lost, as in a pipe nobody reads): the commands after say how it ended."},
		{Name: "waitfor", Args: "[-within DURATION] NAME stdout|stderr REGEXP", Group: groupPrograms, Pattern: 3, Run: WaitFor,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "wait until a program has printed a line matching REGEXP",
			Detail:  "REGEXP is a Go regular expression in multi-line mode. Fails if the program exits without printing it."},
		{Name: "await", Args: "[-within DURATION] NAME [STATUS]", Group: groupPrograms, Run: Await,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "wait for a program to exit, and check its exit status",
			Detail: "STATUS is exactly the status wanted (0 for a program that succeeded); without STATUS any status " +
				"will do, for a behaviour scenario where the program fails (the exit-* family checks the status)."},
		{Name: "signal", Args: "NAME INT|TERM|HUP|QUIT|KILL|USR1|USR2|PIPE", Group: groupPrograms, Run: Signal,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "send a signal to a program's process group",
			Detail:  "As a terminal does on Ctrl-C (INT)."},

		{Name: "printed", Args: "[-only] [-file FILE] NAME stdout|stderr [TEXT...]", Group: groupOutput, Run: Printed,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "check a program printed the line TEXT (or lines), whitespace around them aside",
			Detail: "Each TEXT starts a line, the next follows it with nothing but spaces and line breaks between them " +
				"(a prompt, then the reply), and the last ends a line. Spaces and blank lines around them do not count, nor " +
				"do other lines, unless -only: then nothing else may be there (a reply printed twice, say). -file takes the " +
				"one TEXT from a file of the scenario. For behaviour scenarios."},
		{Name: "exact", Args: "[-file FILE] NAME stdout|stderr [TEXT]", Group: groupOutput, Run: Exact,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "check a program printed exactly TEXT, and nothing else",
			Detail:  "'' is nothing at all; -file takes TEXT from a file of the scenario. For the format-* family."},
		{Name: "reported", Args: "NAME PATTERN", Group: groupOutput, Pattern: 2, Run: Reported,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "check a program reported an error: a line matching PATTERN",
			Detail: "On stderr or stdout, after a prefix (such as a log timestamp) if any: ^ in PATTERN is where the " +
				"message starts. For behaviour scenarios."},
		{Name: "errstream", Args: "NAME PATTERN [STDOUT...]", Group: groupOutput, Pattern: 2, Run: ErrStream,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "if a program reported PATTERN, check it did so on stderr, and stdout holds only STDOUT",
			Detail: "STDOUT are pieces as printed takes them (none: nothing at all). A program that did not report the " +
				"error passes: the behaviour scenario charges that. For the streams-* family."},
		{Name: "errformat", Args: "NAME PATTERN", Group: groupOutput, Pattern: 2, Run: ErrFormat,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "if a program reported PATTERN, check the line has nothing before the message",
			Detail:  "A program that did not report the error passes. For the format-* family."},
		{Name: "errstatus", Args: "NAME STATUS PATTERN", Group: groupOutput, Pattern: 3, Run: ErrStatus,
			Names:   []Name{uses(1, kindProgram)},
			Summary: "if a program reported PATTERN, check it exited with STATUS",
			Detail:  "A program that did not report the error passes. For the exit-* family."},

		{Name: "port", Args: "VAR...", Group: groupNetwork, Run: Port,
			Summary: "lease a free port for this scenario and set $VAR to it",
			Detail:  "No other scenario, nor another grader on the machine, gets it while this scenario runs."},
		{Name: "hold", Args: "NETWORK ADDRESS", Group: groupNetwork, Run: Hold,
			Summary: "occupy an address, so that a program cannot bind it",
			Detail:  "A stream socket listens and never accepts; a datagram socket is bound. :$PORT holds IPv4 and IPv6."},
		{Name: "listen", Args: "NAME NETWORK ADDRESS", Group: groupNetwork, Run: Listen,
			Names:   []Name{defines(kindListener, 1)},
			Summary: "listen as a scripted server, on a stream network",
			Detail:  "accept takes the connections."},
		{Name: "accept", Args: "[-within DURATION] [-from PROGRAM] LISTENER CONN", Group: groupNetwork, Run: Accept,
			Names:   []Name{uses(1, kindListener), defines(kindConn, 2), awaits(kindProgram, "from")},
			Summary: "wait for a program to connect to a listener, and name the connection CONN",
			Detail:  "Gives up when PROGRAM has exited, or without -from when every program has."},
		{Name: "dial", Args: "[-within DURATION] [-to PROGRAM] CONN NETWORK ADDRESS", Group: groupNetwork, Run: Dial,
			Names:   []Name{defines(kindConn, 1), awaits(kindProgram, "to")},
			Summary: "connect as a scripted client, retrying until the server listens",
			Detail: "Gives up when PROGRAM has exited (without -to: every program), or, when ADDRESS is IPv6 and the " +
				"program listens on its port over IPv4 only, a second after that shows. The connection it makes is the " +
				"scenario's: a server that serves one client is not spent on a readiness check. Over udp it waits until " +
				"the program has bound the port (as the system shows it), so that no datagram is lost to a server still starting."},
		{Name: "send", Args: "[-chunk N] [-gap DURATION] [-file FILE] CONN [TEXT]", Group: groupNetwork, Run: Send,
			Names:   []Name{uses(1, kindConn)},
			Summary: "send TEXT, or a file of the scenario, on a grader connection",
			Detail:  "-chunk N sends it in pieces of N bytes, -gap apart (on a datagram socket, one datagram a piece)."},
		{Name: "recvline", Args: "[-within DURATION] CONN [TEXT]", Group: groupNetwork, Run: RecvLine,
			Names:   []Name{uses(1, kindConn)},
			Summary: "read one line (through its newline) and check it is exactly TEXT",
			Detail:  "Without TEXT any line will do (the grader only takes it)."},
		{Name: "recvall", Args: "[-within DURATION] CONN [TEXT]", Group: groupNetwork, Run: RecvAll,
			Names:   []Name{uses(1, kindConn)},
			Summary: "read until the program closes (EOF) and check what came is exactly TEXT",
			Detail:  "'' is nothing at all; without TEXT anything will do (the grader only drains the connection)."},
		{Name: "shutdown", Args: "CONN", Group: groupNetwork, Run: Shutdown,
			Names:   []Name{uses(1, kindConn)},
			Summary: "half-close a grader connection: shutdown(SHUT_WR), the program reads EOF"},
		{Name: "close", Args: "CONN", Group: groupNetwork, Run: Close,
			Names:   []Name{uses(1, kindConn)},
			Summary: "close a grader connection normally (FIN)",
			Detail:  "Read what the program sent first: unread bytes make the kernel reset the connection instead."},
		{Name: "reset", Args: "CONN", Group: groupNetwork, Run: Reset,
			Names:   []Name{uses(1, kindConn)},
			Summary: "abort a grader connection with a reset (RST), then wait 100 ms",
			Detail: "Some network stacks (gVisor) hand the reset to the program's socket a moment after the close, and " +
				"nothing outside that socket can tell when."},
		{Name: "relay", Args: "[-drop DIR:N] [-dup DIR:N] [-delay DIR:N:DURATION] -to PROGRAM NAME NETWORK LISTEN TARGET",
			Group: groupNetwork, Background: true, Names: []Name{defines(kindRelay, 1), awaits(kindProgram, "to")}, Run: Relay,
			Summary: "stand between a student client and the student server PROGRAM, recording both ways",
			Detail: "Listens on LISTEN at once; for each client it connects to TARGET, retrying until the server listens " +
				"or exits. Half-closes and resets pass through. Over udp it binds LISTEN and sends on to TARGET once the " +
				"server has bound it; -drop, -dup (deliver twice) and -delay apply to the N-th datagram going DIR, up " +
				"(client to server) or down, and may be given more than once."},
		{Name: "relayed", Args: "[-within DURATION] NAME UP DOWN", Group: groupNetwork, Run: Relayed,
			Names:   []Name{uses(1, kindRelay)},
			Summary: "wait for the first relayed conversation to end, and check both ways exactly",
			Detail:  "UP is what the client sent, DOWN what the server answered."},
	}
	// The commands of each kind of socket beyond the streams above, each
	// kind's in its own file.
	specs = append(specs, datagramSpecs...)
	specs = append(specs, unixSpecs...)
	specs = append(specs, groupSpecs...)
	specs = append(specs, queueSpecs...)
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

// valueFlags are the flags of the scenario commands that take a value
// (a file of commands for a new kind of peer adds its own in an init).
var valueFlags = []string{"as", "within", "from", "to", "chunk", "gap", "file", "drop", "dup", "delay"}

// FlagValue returns the value a command's arguments give the flag name
// ("as" for -as NAME or -as=NAME), if they give it.
func FlagValue(args []string, name string) (string, bool) {
	for i := 0; i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--"; i++ {
		flag, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch {
		case flag == name && hasValue:
			return value, true
		case flag == name && i+1 < len(args):
			return args[i+1], true
		case !hasValue && slices.Contains(valueFlags, flag):
			i++
		}
	}
	return "", false
}

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
// (times the slack, see WithSlack) when d > 0.
func within(st *State, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(st.ctx, time.Duration(float64(d)*st.slack))
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
