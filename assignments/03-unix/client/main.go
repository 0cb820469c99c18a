// Command client is the tutorial's client over a Unix-domain stream socket:
// it connects to the server's socket file, sends one line read from stdin
// and prints the server's reply. The full contract is in
// assignments/03-unix/README.md.
//
// Usage: client PATH
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): unless there is exactly one argument, say
	//   `usage: client path` on stderr and exit with status 1.
	//
	// TODO 2 (socket(AF_UNIX) + connect()): connect to PATH over the "unix"
	//   network. There is no name to resolve and no address to try in turn.
	//   If it fails, for whatever reason, say `ERROR connecting: ` then the
	//   error on stderr and exit 1, at once: no retry.
	//
	// TODO 3 (the exchange): as in 01-stream, from the prompt to the reply:
	//   the line sent ending in '\n', the reply read until EOF, and the
	//   same errors for EOF before any byte and for a failed write.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "client: not implemented yet, see assignments/03-unix/README.md")
	os.Exit(2)
}
