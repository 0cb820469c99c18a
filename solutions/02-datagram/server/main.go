// Command server is the reference solution for assignment 02-datagram: the
// UDP server of the classic tutorial pair. It prints every datagram it
// receives and answers each sender "I got your message", until SIGINT or
// SIGTERM.
//
// Usage: server PORT
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// maxMessage is the largest message: a datagram of up to 1024 bytes is
// read whole.
const maxMessage = 1024

// ack is the reply to every datagram.
var ack = []byte("I got your message")

// fail prints an error line on stderr and exits with status 1, like the
// tutorial's error() (perror + exit).
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fail("ERROR, no port provided")
	}

	// Ctrl-C (SIGINT) and SIGTERM are how a long-running server is asked to
	// stop: it stops at once, with status 0. Asked for before the socket
	// exists, so that no signal finds the default action (death) still in
	// place once the server serves.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()

	// socket(SOCK_DGRAM) + bind() in one call. ":PORT" means every local
	// address, and the "udp" network is dual-stack: IPv4 and IPv6. There is
	// no listen() and no accept(): every client's datagrams come to this
	// one socket.
	conn, err := net.ListenPacket("udp", ":"+os.Args[1])
	if err != nil {
		fail("ERROR on binding: %v", err) // e.g. "address already in use"
	}

	buf := make([]byte, maxMessage)
	for {
		// recvfrom(): one call, one whole datagram (an empty one too), and
		// the address of whoever sent it.
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ERROR reading from socket: %v\n", err)
			continue // nothing a peer sends stops the server
		}
		msg := bytes.TrimSuffix(buf[:n], []byte("\n"))
		fmt.Printf("Here is the message: %s\n", msg)

		// sendto() the sender's address: each client gets its own answer.
		if _, err := conn.WriteTo(ack, from); err != nil {
			fmt.Fprintf(os.Stderr, "ERROR writing to socket: %v\n", err)
		}
	}
}
