package peer

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Unread reports how many bytes the grader sent on the TCP connection c
// that the program at its other end has not read yet: what waits in the
// receive queue of the program's socket, as the system shows it (Linux's
// /proc/net/tcp and tcp6, netstat's Recv-Q on macOS). known is false where
// the system cannot tell.
func Unread(c *Conn) (n int, known bool) {
	local, ok1 := c.LocalAddr().(*net.TCPAddr)
	remote, ok2 := c.RemoteAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return 0, false
	}
	// The program's socket: its local port is the grader's remote one.
	switch runtime.GOOS {
	case "linux":
		for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
			if n, found := procUnread(table, remote.Port, local.Port); found {
				return n, true
			}
		}
	case "darwin":
		return netstatUnread(remote, local)
	}
	return 0, false
}

// procUnread finds the socket from port to peerPort in a /proc/net table,
// whose lines hold local_address and rem_address as HEXIP:HEXPORT, then
// the state, then tx_queue:rx_queue in hex; rx_queue is what the socket's
// owner has not read.
func procUnread(table string, port, peerPort int) (n int, found bool) {
	f, err := os.Open(table)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 5 || hexPort(fields[1]) != port || hexPort(fields[2]) != peerPort {
			continue
		}
		_, rx, _ := strings.Cut(fields[4], ":")
		q, err := strconv.ParseUint(rx, 16, 32)
		return int(q), err == nil
	}
	return 0, false
}

// hexPort is the port of a /proc/net address, HEXIP:HEXPORT; -1 if none.
func hexPort(addr string) int {
	_, h, found := strings.Cut(addr, ":")
	p, err := strconv.ParseUint(h, 16, 16)
	if !found || err != nil {
		return -1
	}
	return int(p)
}

// netstatUnread finds the program's socket (local address at, peer
// address from) in macOS's netstat, whose lines are "tcp4 RECV-Q SEND-Q
// LOCAL FOREIGN STATE", an address written IP.PORT.
func netstatUnread(at, from *net.TCPAddr) (n int, known bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "netstat", "-an", "-p", "tcp").Output()
	if err != nil {
		return 0, false
	}
	suffix := func(a *net.TCPAddr) string { return "." + strconv.Itoa(a.Port) }
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[0], "tcp") ||
			!strings.HasSuffix(f[3], suffix(at)) || !strings.HasSuffix(f[4], suffix(from)) {
			continue
		}
		q, err := strconv.Atoi(f[1])
		return q, err == nil
	}
	return 0, false
}

// Taken waits until the program at the other end of c has read all the
// grader sent on it (see Unread), looking every PollEvery, until ctx ends
// or giveUp returns an error. Where the system cannot tell, it returns at
// once: the caller goes on as if the program had read it.
func Taken(ctx context.Context, c *Conn, giveUp func() error) error {
	for {
		n, known := Unread(c)
		if !known || n == 0 {
			return nil
		}
		if stop := giveUp(); stop != nil {
			return fmt.Errorf("%w, with %d bytes the grader sent not read", stop, n)
		}
		if pause(ctx, PollEvery) != nil {
			return fmt.Errorf("the program did not read %d bytes the grader sent, before the time limit", n)
		}
	}
}
