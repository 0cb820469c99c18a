// Command client is the reference solution for assignment 02-datagram: the
// UDP client of the classic tutorial pair. It sends one line read from stdin
// as one datagram, sends it again while no reply comes (at most five times,
// 500 ms apart), and prints the server's reply.
//
// Usage: client HOSTNAME PORT
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

const (
	maxMessage = 1024                   // the longest message, in bytes
	maxSends   = 5                      // sends in all, the first included
	replyWait  = 500 * time.Millisecond // how long each send waits for the reply
)

// fail prints an error line on stderr and exits with status 1, like the
// tutorial's error() (perror + exit).
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// readLine reads one line from r and returns it without its newline, cut
// to maxMessage bytes. A last line without newline, or empty input, counts
// as the line.
func readLine(r io.Reader) []byte {
	line, _ := bufio.NewReader(r).ReadBytes('\n')
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	return line[:min(len(line), maxMessage)]
}

// ask sends msg as one datagram and waits replyWait for the answer, up to
// maxSends times. It returns the first answer, or false if none came.
func ask(conn net.Conn, msg []byte) ([]byte, bool) {
	buf := make([]byte, maxMessage)
	for range maxSends {
		if _, err := conn.Write(msg); err != nil {
			fail("ERROR writing to socket: %v", err)
		}
		// One deadline for this send: whatever happens while it waits
		// (a refusal, say), the next send comes only once it has passed.
		conn.SetReadDeadline(time.Now().Add(replyWait)) // fails only on a closed socket
		for {
			n, err := conn.Read(buf)
			if err == nil {
				return buf[:n], true
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // lost, on the way there or back: send again
			}
			// "connection refused": an ICMP answer that nothing is bound
			// there, reported on a connected socket. The datagram is lost;
			// wait out the rest of this send's time.
		}
	}
	return nil, false
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: client hostname port")
	}
	host, port := os.Args[1], os.Args[2]

	// gethostbyname(): a name may resolve to several addresses. UDP has no
	// handshake that could tell which one answers, so the first it is.
	addrs, err := net.LookupHost(host)
	if err != nil {
		fail("ERROR, no such host")
	}

	// socket(SOCK_DGRAM) + connect(): connect() on a datagram socket sends
	// nothing; it fixes the address every Write goes to, and makes the
	// system drop datagrams from any other address, so that only the
	// server's can be the reply.
	conn, err := net.Dial("udp", net.JoinHostPort(addrs[0], port))
	if err != nil {
		fail("ERROR writing to socket: %v", err)
	}
	defer conn.Close()

	fmt.Print("Please enter the message: ")
	reply, ok := ask(conn, readLine(os.Stdin))
	if !ok {
		fail("ERROR, no reply from server")
	}
	fmt.Printf("%s\n", reply)
}
