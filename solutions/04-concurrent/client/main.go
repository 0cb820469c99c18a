// Command client is the reference solution for assignment 04-concurrent:
// it sends the server each line of its standard input and prints the
// answers as they arrive, reading and writing at the same time.
//
// Usage: client HOSTNAME PORT
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
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

// sent counts the lines sent; inputDone is set once the last one is out.
var (
	sent      atomic.Int64
	inputDone atomic.Bool
)

// printAnswers prints each answer line as it arrives, until the server
// closes. It returns only when every line sent was answered.
func printAnswers(conn net.Conn) {
	in := bufio.NewReader(conn)
	answered := int64(0)
	for {
		line, err := in.ReadString('\n')
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				line += "\n"
			}
			fmt.Print(line)
			answered++
		}
		if err == io.EOF {
			if !inputDone.Load() || answered < sent.Load() {
				fail("ERROR reading from socket: EOF")
			}
			return
		}
		if err != nil {
			fail("ERROR reading from socket: %v", err)
		}
	}
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: client hostname port")
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

	// The answers are read while the lines are sent: a client that sent
	// everything first could wait forever on a server that waits for it
	// to read.
	done := make(chan struct{})
	go func() {
		printAnswers(conn)
		close(done)
	}()

	stdin := bufio.NewReader(os.Stdin)
	for {
		line, err := stdin.ReadString('\n')
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				line += "\n"
			}
			sent.Add(1)
			if _, werr := conn.Write([]byte(line)); werr != nil {
				fail("ERROR writing to socket: %v", werr)
			}
		}
		if err != nil {
			break // EOF: no more lines
		}
	}
	inputDone.Store(true)
	// shutdown(SHUT_WR): the server reads EOF and closes once it answered.
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	<-done
	conn.Close()
}
