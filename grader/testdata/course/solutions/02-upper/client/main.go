// Command client is the fixture course's shouting client: it sends one
// line of its input and prints the answer.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: client host port")
		os.Exit(1)
	}
	c, err := net.Dial("tcp", net.JoinHostPort(os.Args[1], os.Args[2]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR connecting:", err)
		os.Exit(1)
	}
	text, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	io.WriteString(c, text)
	answer, _ := io.ReadAll(c)
	fmt.Print(string(answer))
}
