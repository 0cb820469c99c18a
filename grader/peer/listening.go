package peer

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Bound reports which families a socket of the transport ("tcp" or "udp")
// is bound on port in, as far as the system lets the grader see without
// touching it (a connection would use up a server's one accept, a datagram
// would be a message): Linux's /proc/net, or lsof on macOS. For TCP only
// listening sockets count. known is false where it cannot tell.
func Bound(transport string, port int) (v4, v6, known bool) {
	switch runtime.GOOS {
	case "linux":
		var ok4, ok6 bool
		v4, ok4 = procBound("/proc/net/"+transport, transport, port)
		v6, ok6 = procBound("/proc/net/"+transport+"6", transport, port)
		return v4, v6, ok4 && ok6
	case "darwin":
		return lsofBound(transport, port)
	}
	return false, false, false
}

// ipv4Only reports whether something listens on TCP port, or is bound on
// UDP port, over IPv4 but not over IPv6 (see Bound).
func ipv4Only(transport string, port int) (only, known bool) {
	v4, v6, known := Bound(transport, port)
	return known && v4 && !v6, known
}

// procBound reports whether a socket is bound on port in a table of
// /proc/net (tcp, tcp6, udp, udp6), whose lines hold "local_address" as
// HEXIP:HEXPORT and the state, 0A for a listening TCP socket. ok is false
// when it cannot read it.
func procBound(table, transport string, port int) (bound, ok bool) {
	f, err := os.Open(table)
	if err != nil {
		return false, false
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 4 || transport == "tcp" && fields[3] != "0A" {
			continue
		}
		_, hexPort, found := strings.Cut(fields[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); found && err == nil && int(p) == port {
			return true, true
		}
	}
	return false, lines.Err() == nil
}

// lsofBound asks lsof which families have a socket on port: its field
// output has a line "tIPv4" or "tIPv6" for each.
func lsofBound(transport string, port int) (v4, v6, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	args := []string{"-nP", "-i" + strings.ToUpper(transport) + ":" + strconv.Itoa(port), "-Ft"}
	if transport == "tcp" {
		args = append(args, "-sTCP:LISTEN")
	}
	out, err := exec.CommandContext(ctx, "lsof", args...).Output()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		return false, false, false // no lsof
	}
	for line := range strings.Lines(string(out)) {
		switch strings.TrimSpace(line) {
		case "tIPv4":
			v4 = true
		case "tIPv6":
			v6 = true
		}
	}
	return v4, v6, true
}

// ipv6Port returns the transport ("tcp", "udp") and port of an address on
// network whose host is an IPv6 address.
func ipv6Port(network, addr string) (string, int, bool) {
	transport, port, ip, ok := inetAddr(network, addr)
	if !ok || ip == nil || ip.To4() != nil {
		return "", 0, false
	}
	return transport, port, true
}

// inetAddr splits an address of an Internet network ("tcp", "udp6", ...)
// into its transport, port and IP (nil for a host that is not an IP).
func inetAddr(network, addr string) (transport string, port int, ip net.IP, ok bool) {
	transport = strings.TrimRight(network, "46")
	if transport != "tcp" && transport != "udp" {
		return "", 0, nil, false
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, nil, false
	}
	if port, err = strconv.Atoi(p); err != nil {
		return "", 0, nil, false
	}
	return transport, port, net.ParseIP(host), true
}
