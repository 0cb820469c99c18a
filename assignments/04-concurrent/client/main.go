// Command client sends a server each line of its standard input and prints
// the answers as they arrive. The full contract is in
// assignments/04-concurrent/README.md.
//
// Usage: client HOSTNAME PORT
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO 1 (arguments, gethostbyname(), connect()): as in 01-stream:
	//   usage, `ERROR, no such host`, `ERROR connecting: <reason>`.
	//
	// TODO 2 (read the answers): in a goroutine, read the connection line
	//   by line (bufio.Reader's ReadString('\n')) and print each answer on
	//   stdout as soon as it is whole. Count them. At io.EOF (the server
	//   closed): if your input is not finished, or fewer answers came than
	//   lines were sent, print `ERROR reading from socket: EOF` on stderr and
	//   exit 1; otherwise let main know it can return. Another read error is
	//   `ERROR reading from socket: <reason>`, exit 1.
	//
	// TODO 3 (send the lines): meanwhile, in main, read stdin line by line
	//   and write each line to the connection (with its newline: add one to
	//   a last line without it), counting them, without waiting for
	//   answers. A failed write is `ERROR writing to socket: <reason>`,
	//   exit 1. The count is shared by two goroutines: use sync/atomic, or
	//   a mutex.
	//
	// TODO 4 (shutdown(SHUT_WR)): at the end of stdin, note that the input
	//   is finished, then conn.(*net.TCPConn).CloseWrite(): the server reads
	//   EOF and closes once it has answered. Wait for the goroutine of
	//   TODO 2, and return from main (exit status 0).
	//
	// Delete the two lines below once you have implemented the steps above.
	fmt.Fprintln(os.Stderr, "client: not implemented yet, see assignments/04-concurrent/README.md")
	os.Exit(2)
}
