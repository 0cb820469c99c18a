// Command client is the reference solution for assignment 05-mqueue: it
// sends the queue daemon one command given in its arguments, or each line
// of its standard input, and prints the answers.
//
// Usage: client HOSTNAME PORT [COMMAND...]
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// fail prints an error line on stderr and exits with status 1.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// dial connects to the first address that accepts, trying them in order.
func dial(addrs []string, port string) (net.Conn, error) {
	err := fmt.Errorf("no addresses")
	for _, a := range addrs {
		var conn net.Conn
		if conn, err = net.Dial("tcp", net.JoinHostPort(a, port)); err == nil {
			return conn, nil
		}
	}
	return nil, err
}

// ask sends one request line and returns the server's answer line,
// without its newline.
func ask(conn net.Conn, answers *bufio.Reader, line string) string {
	if _, err := conn.Write([]byte(line + "\n")); err != nil {
		fail("ERROR writing to socket: %v", err)
	}
	answer, err := answers.ReadString('\n')
	if err == io.EOF {
		fail("ERROR reading from socket: EOF") // closed before a whole answer
	}
	if err != nil {
		fail("ERROR reading from socket: %v", err)
	}
	return strings.TrimSuffix(answer, "\n")
}

// show prints an answer: an ERR on stderr, the others on stdout. It
// reports whether the answer was an ERR.
func show(answer string) bool {
	if answer == "ERR" || strings.HasPrefix(answer, "ERR ") {
		fmt.Fprintln(os.Stderr, answer)
		return true
	}
	fmt.Println(answer)
	return false
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: client hostname port [command...]")
	}
	host, port := os.Args[1], os.Args[2]
	addrs, err := net.LookupHost(host)
	if err != nil {
		fail("ERROR, no such host")
	}
	conn, err := dial(addrs, port)
	if err != nil {
		fail("ERROR connecting: %v", err)
	}
	defer conn.Close()
	answers := bufio.NewReader(conn)

	if len(os.Args) > 3 {
		// One command, from the arguments: the words joined by spaces.
		if show(ask(conn, answers, strings.Join(os.Args[3:], " "))) {
			os.Exit(1)
		}
		return
	}

	// The commands of standard input, one a line, each answered before
	// the next is sent: a GET that waits holds the ones after it.
	failed := false
	stdin := bufio.NewReader(os.Stdin)
	for {
		line, err := stdin.ReadString('\n')
		if line != "" {
			answer := ask(conn, answers, strings.TrimSuffix(line, "\n"))
			failed = show(answer) || failed
			if answer == "BYE" {
				break // the server closes the connection
			}
		}
		if err != nil {
			break // EOF: no more commands
		}
	}
	if failed {
		os.Exit(1)
	}
}
