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

// ipv4Only reports whether something listens on TCP port over IPv4 but
// not over IPv6, as far as the system lets the grader see without
// connecting (a connection would use up a server's one accept): Linux's
// /proc/net, or lsof on macOS. known is false where it cannot tell.
func ipv4Only(port int) (only, known bool) {
	var v4, v6 bool
	switch runtime.GOOS {
	case "linux":
		var ok4, ok6 bool
		v4, ok4 = procListens("/proc/net/tcp", port)
		v6, ok6 = procListens("/proc/net/tcp6", port)
		known = ok4 && ok6
	case "darwin":
		v4, v6, known = lsofListens(port)
	}
	return known && v4 && !v6, known
}

// procListens reports whether a socket listens on port in a table of
// /proc/net (tcp, tcp6), whose lines hold "local_address" as HEXIP:HEXPORT
// and the state 0A for LISTEN. ok is false when it cannot read it.
func procListens(table string, port int) (listens, ok bool) {
	f, err := os.Open(table)
	if err != nil {
		return false, false
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 4 || fields[3] != "0A" {
			continue
		}
		_, hexPort, found := strings.Cut(fields[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); found && err == nil && int(p) == port {
			return true, true
		}
	}
	return false, lines.Err() == nil
}

// lsofListens asks lsof which families listen on TCP port: its field
// output has a line "tIPv4" or "tIPv6" for each socket.
func lsofListens(port int) (v4, v6, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "lsof", "-nP", "-iTCP:"+strconv.Itoa(port), "-sTCP:LISTEN", "-Ft").Output()
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

// ipv6Port returns the port of a TCP address whose host is an IPv6
// address.
func ipv6Port(network, addr string) (int, bool) {
	if network != "tcp" && network != "tcp6" {
		return 0, false
	}
	host, port, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || ip == nil || ip.To4() != nil {
		return 0, false
	}
	return p, true
}
