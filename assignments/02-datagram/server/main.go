// Command server is the UDP server of the classic tutorial pair: it prints
// every datagram it receives and answers its sender "I got your message",
// until it is stopped with SIGINT or SIGTERM. The full contract is in
// assignments/02-datagram/README.md.
//
// Usage: server PORT
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): without PORT, say `ERROR, no port provided`
	//   on stderr and exit with status 1. (A fail helper like 01-stream's
	//   keeps every error path to one line.)
	//
	// TODO 2 (stop on a signal): have os/signal deliver os.Interrupt and
	//   syscall.SIGTERM to a channel; a goroutine that receives from it
	//   exits with status 0. Do it first thing, so that a signal never
	//   finds the default action (death) in place.
	//
	// TODO 3 (socket() + bind()): net.ListenPacket with the network "udp"
	//   and the address ":" followed by the port: every local address,
	//   IPv4 and IPv6. There is no listen() and no accept() in UDP.
	//   On error: `ERROR on binding: ` then the error, on stderr, exit 1
	//   at once.
	//
	// TODO 4 (recvfrom() in a loop, forever): ReadFrom into a buffer big
	//   enough for the largest message (1024 bytes) gives one whole
	//   datagram per call, and the address it came from. A datagram of 0
	//   bytes is a message too (it is not EOF: UDP has no EOF). Should the
	//   read itself fail, say `ERROR reading from socket: ` then the error
	//   on stderr and carry on.
	//
	// TODO 5 (print): drop one trailing '\n' if the message has one, then
	//   print `Here is the message: ` + message + "\n" on stdout.
	//
	// TODO 6 (sendto()): WriteTo the 18 bytes "I got your message" to the
	//   address ReadFrom gave you, the sender's. If it fails, say
	//   `ERROR writing to socket: ` then the error on stderr, and go on
	//   serving: nothing a client does may stop the server.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "server: not implemented yet, see assignments/02-datagram/README.md")
	os.Exit(2)
}
