//go:build unix

package script

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// The grader's side of Unix-domain sockets, beyond the stream commands
// that take a unix network (listen, dial, hold, relay): a stale socket
// file, a program's socket file and its mode, and a path left empty.
//
// Every Unix socket path a scenario names lies under its work directory,
// $WORK, which the runner keeps short (see workDir); a path the grader
// binds or connects to must also fit in the 104 bytes macOS allows (108 on
// Linux). A path that breaks either rule is the scenario's mistake, or the
// machine's: the scenario aborts with the reason, instead of failing the
// student on a bind error nobody can read. The socket files the grader
// binds are open to every user, for programs that run as another user than
// the grader; and close, on a Unix connection, takes effect before the
// scenario's next step (see closeUnixNow).

// unixSpecs are the unix commands' part of the table (see specs).
var unixSpecs = []Spec{
	{Name: "stale", Args: "PATH", Group: groupNetwork, Run: Stale,
		Summary: "leave a stale socket file at PATH, as a server that crashed leaves one: bound, then closed without unlinking",
		Detail: "The path exists as a socket and nobody listens on it: a connect is refused, a bind fails with " +
			"\"address already in use\", and a program may remove it. PATH is $WORK/NAME, as every Unix socket path the grader binds or connects " +
			"to (listen, dial, hold, relay), and at most 103 bytes long (104 with the terminating NUL on macOS, " +
			"108 on Linux): a path that is not aborts the scenario."},
	{Name: "sockfile", Args: "[-within DURATION] [-mode MODE] PATH", Group: groupNetwork, Run: SockFile,
		Summary: "wait until a program has bound a Unix socket at PATH (a socket file is there), and check its mode",
		Detail: "Gives up when every program has exited. MODE is the permission bits in octal (0600); a program that " +
			"sets them with chmod right after its bind gets a second to do so. PATH is $WORK/NAME; it may be longer " +
			"than a socket path can be (the grader only looks at it)."},
	{Name: "nofile", Args: "PATH", Group: groupNetwork, Run: NoFile,
		Summary: "check that nothing is at PATH: a program removed its socket file, or left a path alone",
		Detail:  "It looks at once: await the program first. PATH is $WORK/NAME."},
}

func init() {
	valueFlags = append(valueFlags, "mode")
	guardUnixPaths()
	closeUnixNow()
}

// unixAddrs says, for each command of the table that binds or connects
// to addresses on a network it is given, where its network is (its
// position after the flags, from 1), which of its addresses the grader
// binds (listens on) and which it connects to.
var unixAddrs = map[string]struct {
	network       int
	bound, dialed []int
}{
	"listen": {2, []int{3}, nil},      // listen NAME NETWORK ADDRESS
	"dial":   {2, nil, []int{3}},      // dial CONN NETWORK ADDRESS
	"hold":   {1, []int{2}, nil},      // hold NETWORK ADDRESS
	"relay":  {2, []int{3}, []int{4}}, // relay NAME NETWORK LISTEN TARGET
}

// guardUnixPaths makes the commands of unixAddrs, over a unix network,
// check each path before they bind or connect to it (State.unixPath), and
// open each socket file they bind to every user (peer.ShareSocket), for
// programs that run as another user. It runs after commands.go's init has
// made the table (a package's files initialize in the order of their
// names), and panics when the table lacks a command, rather than leave it
// unguarded.
func guardUnixPaths() {
	for name, a := range unixAddrs {
		i := slices.IndexFunc(specs, func(s Spec) bool { return s.Name == name })
		if i < 0 {
			panic("script: guardUnixPaths found no command " + name + " in the table: unix.go must initialize after commands.go")
		}
		run := specs[i].Run
		specs[i].Run = func(ts *testscript.TestScript, args []string) {
			p := Positional(args)
			if len(p) < a.network || !strings.HasPrefix(p[a.network-1], "unix") {
				run(ts, args)
				return
			}
			st := stateOf(ts)
			for _, j := range append(slices.Clone(a.bound), a.dialed...) {
				if j <= len(p) {
					st.unixPath(ts, p[j-1], true)
				}
			}
			run(ts, args)
			for _, j := range a.bound {
				if j <= len(p) {
					if err := peer.ShareSocket(p[j-1]); err != nil {
						st.abort(ts, "the grader cannot open its socket file %s to the programs: %v", p[j-1], err)
					}
				}
			}
		}
		byName[name] = specs[i]
	}
}

// closeUnixNow makes close, on a Unix-domain connection, close it so that
// the program's end sees it before the scenario's next step
// (peer.CloseNow): a Unix socket has no reset, so a scenario makes a
// program's write fail (broken pipe) by closing the grader's end first,
// and that must not wait until a program that another scenario is
// starting at that moment lets go of its copy of the socket.
func closeUnixNow() {
	i := slices.IndexFunc(specs, func(s Spec) bool { return s.Name == "close" })
	if i < 0 {
		panic("script: closeUnixNow found no command close in the table: unix.go must initialize after commands.go")
	}
	run := specs[i].Run
	specs[i].Run = func(ts *testscript.TestScript, args []string) {
		st := stateOf(ts)
		if len(args) == 1 {
			st.mu.Lock()
			r, _ := st.reg.find(kindConn, args[0])
			st.mu.Unlock()
			if c, ok := r.(*peer.Conn); ok && c.LocalAddr().Network() == "unix" {
				if err := peer.CloseNow(c.Conn); err != nil {
					ts.Fatalf("the grader cannot close %s: %v", args[0], peer.Explain(err))
				}
				return
			}
		}
		run(ts, args)
	}
	byName["close"] = specs[i]
}

// unixPath checks a Unix socket path of the scenario (peer.CheckUnixPath),
// its length too when bind says the grader binds or connects to it, and
// returns it; a path that breaks the rules aborts the scenario.
func (st *State) unixPath(ts *testscript.TestScript, path string, bind bool) string {
	if err := peer.CheckUnixPath(path, st.workdir, bind); err != nil {
		st.abort(ts, "%v", err)
	}
	return path
}

// Stale leaves a stale socket file at PATH: a Unix stream socket bound
// there, then closed without removing its file, as a server that crashed
// leaves one. The path exists as a socket, and nobody listens on it.
//
//	stale PATH
func Stale(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("stale"), args, 1, 1)
	path := st.unixPath(ts, args[0], true)
	if err := peer.StaleSocket(path); err != nil {
		st.abort(ts, "the grader cannot leave a stale socket file at %s: %v", path, err)
	}
}

// SockFile waits until a socket file is at PATH, that is until a program
// has bound a Unix socket there, and with -mode checks its permission
// bits, giving a program that sets them right after its bind (chmod)
// peer.ModeSettle to do so. It gives up when every program has exited.
//
//	sockfile [-within DURATION] [-mode MODE] PATH
func SockFile(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	set := flags("sockfile")
	limit := set.Duration("within", 0, "")
	mode := set.String("mode", "", "")
	args = parse(ts, set, args, 1, 1)
	path := st.unixPath(ts, args[0], false)
	var want fs.FileMode
	if *mode != "" {
		bits, err := strconv.ParseUint(*mode, 8, 32)
		if err != nil || bits > 0o777 {
			st.abort(ts, "sockfile: MODE is permission bits in octal, such as 0600; got %q", *mode)
		}
		want = fs.FileMode(bits)
	}
	ctx, cancel := within(st, *limit)
	defer cancel()
	if _, err := peer.WaitSocketFile(ctx, path, st.giveUp("")); err != nil {
		ts.Fatalf("no socket file appeared at %s: %v", path, err)
	}
	if *mode == "" {
		return
	}
	got, err := peer.WaitMode(ctx, path, want, peer.ModeSettle)
	switch {
	case err != nil:
		ts.Fatalf("the socket file at %s could not be checked: %v", path, err)
	case got != want:
		ts.Fatalf("the socket file %s has mode %s; want %s, from the moment clients can connect", path, peer.Mode(got), peer.Mode(want))
	}
}

// NoFile checks that nothing is at PATH, at once: a program removed its
// socket file when it exited, or left alone a path it was not to touch.
//
//	nofile PATH
func NoFile(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("nofile"), args, 1, 1)
	path := st.unixPath(ts, args[0], false)
	if what := peer.DescribePath(path); what != "nothing" {
		ts.Fatalf("there is %s at %s; want nothing there", what, path)
	}
}
