// Command server is the tutorial's server over a Unix-domain stream socket:
// it listens at a path of the file system, accepts one connection, reads
// one message, prints it and answers "I got your message", and removes its
// socket file whenever it exits. The full contract is in
// assignments/03-unix/README.md.
//
// Usage: server PATH
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (check arguments): without PATH, say `ERROR, no path provided`
	//   on stderr and exit with status 1. Your fail helper from 01-stream
	//   will need one more job this time (see TODO 4).
	//
	// TODO 2 (signals, before anything is bound): have os/signal deliver
	//   SIGINT and SIGTERM to a channel, and a goroutine wait on it: when
	//   one comes, remove the socket file if the server has bound one, and
	//   exit with status 0.
	//
	// TODO 3 (socket(AF_UNIX) + bind() + listen()): the network is "unix",
	//   the address is PATH. Make the socket file mode 0600: the umask
	//   around the call (syscall.Umask; which mask gives 0600?), or a chmod
	//   right after it. When the bind fails because the address is in use,
	//   find out what is at PATH (os.Lstat): only a socket file that refuses
	//   a connect is stale; remove that one and bind once more. Anything
	//   else, or a second failure: `ERROR on binding: ` then the error, on
	//   stderr, exit 1, leaving PATH as it was.
	//
	// TODO 4 (the file is yours now): from here on, every way out of the
	//   program removes the socket file: after serving, in your fail helper,
	//   and in the signal goroutine. A defer in main does not run on
	//   os.Exit. Take care that the goroutine of TODO 2 and main do not
	//   race over whether the file is bound yet.
	//
	// TODO 5 (accept(), read(), print, write()): as in 01-stream, errors and
	//   all: one connection, the message up to '\n' or EOF (at most 255
	//   bytes, in as many reads as it takes), `Here is the message: ...`,
	//   then the 18 bytes of the reply.
	//
	// TODO 6 (close() + unlink()): close the connection and the listener,
	//   remove the socket file, exit with status 0.
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "server: not implemented yet, see assignments/03-unix/README.md")
	os.Exit(2)
}
