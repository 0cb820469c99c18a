//go:build unix

package script

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"socklab/grader/peer"
	"socklab/grader/proc"
)

// A Resource is something a scenario started or opened under a name: a
// program, a connection, a listener, a relay, a held address, a leased
// port. The scenario's registry closes each when the scenario ends, and
// says what each did beneath a failure.
type Resource interface{ Close() error }

// A Kind is a kind of resource: what commands call it, and how the
// feedback beneath a failed scenario tells what one did (report, nil for
// nothing to tell). A new kind of peer plugs in here, in kinds.
type Kind struct {
	Name   string
	report func(b *strings.Builder, name string, r Resource)
}

// The kinds of resources, in the order in which the registry closes them
// (programs first, killed at once, so that nothing waits on them) and
// the feedback tells of them.
var (
	kindProgram  = &Kind{Name: "program", report: reportProgram}
	kindRelay    = &Kind{Name: "relay", report: reportTranscript("relay")}
	kindConn     = &Kind{Name: "connection", report: reportTranscript("grader connection")}
	kindListener = &Kind{Name: "listener"}
	kindPeer     = &Kind{Name: "datagram peer", report: reportTranscript("grader peer")}
	kindHold     = &Kind{Name: "held address"}
	kindLease    = &Kind{Name: "port"}

	kinds = []*Kind{kindProgram, kindRelay, kindConn, kindPeer, kindListener, kindHold, kindLease}
)

// newKind adds a kind of resource, after those above: the registry closes
// it after them, and the feedback tells of it (with report, if not nil)
// after them. A file of commands for a new kind of peer declares its kind
// with it.
func newKind(name string, report func(b *strings.Builder, name string, r Resource)) *Kind {
	k := &Kind{Name: name, report: report}
	kinds = append(kinds, k)
	return k
}

// An entry is one resource of the registry.
type entry struct {
	kind *Kind
	name string
	r    Resource
}

// registry holds what a scenario started and opened, in order, by kind
// and name. Its methods are called with State.mu held.
type registry struct {
	entries []entry
}

func (g *registry) find(k *Kind, name string) (Resource, bool) {
	i := slices.IndexFunc(g.entries, func(e entry) bool { return e.kind == k && e.name == name })
	if i < 0 {
		return nil, false
	}
	return g.entries[i].r, true
}

func (g *registry) of(k *Kind) []entry {
	var es []entry
	for _, e := range g.entries {
		if e.kind == k {
			es = append(es, e)
		}
	}
	return es
}

// keep records r, which the scenario has just started or opened, as a
// resource of kind k called name, to be closed when the scenario ends. A
// name taken already is a mistake in the scenario, and a scenario that has
// ended (its time is up) keeps nothing: either way r is closed and the
// script aborts.
func (st *State) keep(ts *testscript.TestScript, k *Kind, name string, r Resource) {
	st.mu.Lock()
	_, taken := st.reg.find(k, name)
	closed := st.closed
	if !taken && !closed {
		st.reg.entries = append(st.reg.entries, entry{k, name, r})
	}
	st.mu.Unlock()
	switch {
	case closed:
		r.Close()
		st.abort(ts, "the scenario ended while a command was still running")
	case taken:
		r.Close()
		st.abort(ts, "a %s named %q exists already", k.Name, name)
	}
}

// lookup returns the resource of kind k called name, or aborts the script:
// a name the scenario never gave is its mistake.
func lookup[T Resource](ts *testscript.TestScript, st *State, k *Kind, name string) T {
	st.mu.Lock()
	r, ok := st.reg.find(k, name)
	st.mu.Unlock()
	if !ok {
		st.abort(ts, "no %s named %q", k.Name, name)
	}
	return r.(T)
}

// closeAll closes every resource of the registry, programs first and at
// once, then the rest in the order of kinds.
func closeAll(entries []entry) {
	var wg sync.WaitGroup
	for _, e := range entries {
		if e.kind == kindProgram {
			wg.Go(func() { e.r.Close() })
		}
	}
	wg.Wait()
	for _, k := range kinds[1:] {
		for _, e := range entries {
			if e.kind == k {
				e.r.Close()
			}
		}
	}
}

// tell tells what each resource did, kind by kind, each kind's in the
// order they came (programs) or by name (the grader's side).
func tell(entries []entry) string {
	var b strings.Builder
	for _, k := range kinds {
		if k.report == nil {
			continue
		}
		es := slices.DeleteFunc(slices.Clone(entries), func(e entry) bool { return e.kind != k })
		if k != kindProgram {
			slices.SortStableFunc(es, func(a, b entry) int { return strings.Compare(a.name, b.name) })
		}
		for _, e := range es {
			k.report(&b, e.name, e.r)
		}
	}
	return b.String()
}

// reportProgram tells how a program ended and what it printed.
func reportProgram(b *strings.Builder, _ string, r Resource) {
	p := r.(*proc.Process)
	fmt.Fprintf(b, "%s %s\n", p.Name, p.Status())
	stream(b, "stdout", p.Stdout)
	stream(b, "stderr", p.Stderr)
}

// reportTranscript tells, under label, what passed through a resource
// that keeps a transcript.
func reportTranscript(label string) func(*strings.Builder, string, Resource) {
	return func(b *strings.Builder, name string, r Resource) {
		t := r.(interface{ Transcript() string }).Transcript()
		fmt.Fprintf(b, "%s %s: %s\n", label, name, strings.ReplaceAll(t, "\n", ", "))
	}
}

// Interfaces the kinds rely on.
var (
	_ Resource                         = (*proc.Process)(nil)
	_ interface{ Transcript() string } = (*peer.Conn)(nil)
	_ interface{ Transcript() string } = (*peer.Relay)(nil)
	_ interface{ Transcript() string } = (*peer.DatagramRelay)(nil)
	_ interface{ Transcript() string } = (*peer.PacketPeer)(nil)
)
