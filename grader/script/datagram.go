//go:build unix

package script

import (
	"bytes"
	"context"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
)

// The grader's side of datagram sockets: peers of its own, bound to an
// address, that take a program's datagrams and answer them, and relays
// with fixed rules of loss and duplication (relay, on a udp network).

// datagramSpecs are the datagram commands' part of the table (see specs).
var datagramSpecs = []Spec{
	{Name: "bind", Args: "NAME NETWORK ADDRESS", Group: groupNetwork, Names: []Name{defines(kindPeer, 1)}, Run: Bind,
		Summary: "bind a datagram socket of the grader's, a peer that receives every datagram sent to ADDRESS",
		Detail: "NETWORK is udp, udp4 or udp6. A peer never asked to answer is silent: it reads and discards (a port " +
			"with nothing bound answers with ICMP, which differs between systems)."},
	{Name: "recvfrom", Args: "[-within DURATION] NAME [TEXT]", Group: groupNetwork, Names: []Name{uses(1, kindPeer)}, Run: RecvFrom,
		Summary: "take the next datagram a peer received, and check it is exactly TEXT",
		Detail: "'' is an empty datagram; without TEXT any datagram will do. Its sender is the one reply answers. " +
			"It gives up once every program has exited."},
	{Name: "reply", Args: "[-from PEER] NAME TEXT", Group: groupNetwork,
		Names: []Name{uses(1, kindPeer), {Kinds: []*Kind{kindPeer}, Flag: "from"}}, Run: Reply,
		Summary: "send TEXT as one datagram to the sender of the last datagram a peer took",
		Detail:  "From that peer, or, with -from, from another peer of the grader's: a foreign sender."},
	{Name: "recv", Args: "[-within DURATION] CONN [TEXT]", Group: groupNetwork, Names: []Name{uses(1, kindConn)}, Run: Recv,
		Summary: "read one datagram on a grader connection (dial udp) and check it is exactly TEXT",
		Detail: "'' is an empty datagram; without TEXT any datagram will do (the grader only takes it). " +
			"It gives up once every program has exited."},
	{Name: "datagrams", Args: "[-within DURATION] NAME [up|down] COUNT", Group: groupNetwork,
		Names: []Name{uses(1, kindPeer, kindRelay)}, Run: Datagrams,
		Summary: "check how many datagrams a peer received, or a datagram relay saw go one way",
		Detail: "up is client to server, down server to client. It waits until that many have come (or every " +
			"program has exited), then checks there are no more: await the program that sends them first."},
}

// Bind binds a datagram socket of the grader's, a peer called NAME, to
// ADDRESS: it receives every datagram sent there, in the background, to be
// taken by recvfrom, answered by reply and counted by datagrams. A peer
// that is never asked to answer is silent: where nothing is bound, a
// system answers with ICMP, which differs between systems.
//
//	bind NAME NETWORK ADDRESS
func Bind(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	args = parse(ts, flags("bind"), args, 3, 3)
	if !strings.HasPrefix(args[1], "udp") {
		st.abort(ts, "bind: want a datagram network (udp, udp4, udp6), got %q", args[1])
	}
	p, err := peer.ListenPacket(args[1], args[2])
	if err != nil {
		st.abort(ts, "the grader cannot bind %s: %v", args[2], err)
	}
	st.keep(ts, kindPeer, args[0], p)
}

// RecvFrom takes the next datagram a peer received, waiting for it, and
// checks it is exactly TEXT; without TEXT, any datagram. Its sender is the
// one reply answers.
//
//	recvfrom [-within DURATION] NAME [TEXT]
func RecvFrom(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("recvfrom")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 2)
	p := lookup[*peer.PacketPeer](ts, st, kindPeer, args[0])
	ctx, cancel := st.untilExited(*limit)
	defer cancel()
	d, err := p.Recv(ctx)
	if len(args) == 1 {
		if err != nil {
			ts.Fatalf("the grader's peer %s received no datagram: %v", args[0], err)
		}
		return
	}
	want := text(ts, args[1])
	switch {
	case err != nil:
		ts.Fatalf("the grader's peer %s received no datagram: %v; want %s", args[0], err, quoteDatagram(want))
	case !bytes.Equal(d.Data, want):
		ts.Fatalf("the grader's peer %s received the datagram %s from %v; want exactly %s",
			args[0], quoteDatagram(d.Data), d.Addr, quoteDatagram(want))
	}
}

// Reply sends TEXT as one datagram to the sender of the last datagram a
// peer took with recvfrom: from that peer, or, with -from, from another
// peer of the grader's (a foreign sender, whose datagram is not the
// reply).
//
//	reply [-from PEER] NAME TEXT
func Reply(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("reply")
	from := fs.String("from", "", "")
	args = parse(ts, fs, args, 2, 2)
	p := lookup[*peer.PacketPeer](ts, st, kindPeer, args[0])
	to := p.Last()
	if to == nil {
		st.abort(ts, "reply: the peer %s has taken no datagram to answer yet (recvfrom first)", args[0])
	}
	sender := p
	if *from != "" {
		sender = lookup[*peer.PacketPeer](ts, st, kindPeer, *from)
	}
	if err := sender.SendTo(text(ts, args[1]), to); err != nil {
		ts.Fatalf("the grader's peer %s could not send to %v: %s", sender.Addr(), to, peer.Explain(err))
	}
}

// Recv reads one datagram on a grader connection (dial udp) and checks it
// is exactly TEXT; without TEXT, any datagram.
//
//	recv [-within DURATION] CONN [TEXT]
func Recv(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("recv")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 1, 2)
	c := st.conn(ts, args[0])
	ctx, cancel := st.untilExited(*limit)
	defer cancel()
	got, err := c.Recv(ctx)
	if stop := peer.GaveUp(ctx); err != nil && stop != nil {
		err = stop
	}
	if len(args) == 1 {
		if err != nil {
			ts.Fatalf("the grader's connection %s received no datagram: %s", args[0], peer.Explain(err))
		}
		return
	}
	want := text(ts, args[1])
	switch {
	case err != nil:
		ts.Fatalf("the grader's connection %s received no datagram: %s; want %s", args[0], peer.Explain(err), quoteDatagram(want))
	case !bytes.Equal(got, want):
		ts.Fatalf("the grader's connection %s received the datagram %s; want exactly %s", args[0], quoteDatagram(got), quoteDatagram(want))
	}
}

// Datagrams checks how many datagrams a peer received in all, or a
// datagram relay saw go one way (up: client to server; down: server to
// client). It waits until that many have come (at most until -within),
// then checks there are no more.
//
//	datagrams [-within DURATION] NAME [up|down] COUNT
func Datagrams(ts *testscript.TestScript, args []string) {
	st := stateOf(ts)
	fs := flags("datagrams")
	limit := fs.Duration("within", 0, "")
	args = parse(ts, fs, args, 2, 3)
	want, err := strconv.Atoi(args[len(args)-1])
	if err != nil || want < 0 {
		st.abort(ts, "datagrams: COUNT must be a number, got %q", args[len(args)-1])
	}
	ctx, cancel := st.untilExited(*limit)
	defer cancel()
	st.mu.Lock()
	r, isPeer := st.reg.find(kindPeer, args[0])
	if !isPeer {
		r, _ = st.reg.find(kindRelay, args[0])
	}
	st.mu.Unlock()
	var got int
	switch v := r.(type) {
	case *peer.PacketPeer:
		if len(args) != 2 {
			st.abort(ts, "usage: %s (no direction for a peer)", usage("datagrams"))
		}
		got = v.Count(ctx, want)
		if got != want {
			ts.Fatalf("the grader's peer %s received %d datagram(s); want %d", args[0], got, want)
		}
	case *peer.DatagramRelay:
		if len(args) != 3 || (args[1] != "up" && args[1] != "down") {
			st.abort(ts, "usage: %s (up or down, for a relay)", usage("datagrams"))
		}
		got = v.Count(ctx, args[1], want)
		if got != want {
			way := map[string]string{"up": "the client sent the server", "down": "the server sent the client"}[args[1]]
			ts.Fatalf("%s %d datagram(s) through relay %s; want %d", way, got, args[0], want)
		}
	default:
		st.abort(ts, "no datagram peer or relay named %q", args[0])
	}
}

// untilExited is within for a wait for datagrams: it also ends (a moment
// later, see peer.UntilGiveUp) once every program of the scenario has
// exited, since no datagram can come then.
func (st *State) untilExited(limit time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := within(st, limit)
	ctx, stop := peer.UntilGiveUp(ctx, st.giveUp(""))
	return ctx, func() { stop(); cancel() }
}

// quoteDatagram shows a datagram in a message: as printed output is shown
// (quoteGot), but an empty one as "" (an empty datagram), not as nothing.
func quoteDatagram(b []byte) string { return peer.QuoteDatagram(b, shownCap) }

// rules is relay's repeatable -drop, -dup and -delay flags.
type rules struct {
	action string
	list   *[]peer.Rule
}

func (r rules) String() string { return "" }

func (r rules) Set(v string) error {
	rl, err := peer.ParseRule(r.action + ":" + v)
	if err == nil {
		*r.list = append(*r.list, rl)
	}
	return err
}

// relayRules adds relay's rule flags to fs.
func relayRules(fs *flag.FlagSet) *[]peer.Rule {
	var list []peer.Rule
	for _, action := range []string{"drop", "dup", "delay"} {
		fs.Var(rules{action, &list}, action, "")
	}
	return &list
}
