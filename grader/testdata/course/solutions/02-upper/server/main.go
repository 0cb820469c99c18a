// Command server is the fixture course's shouting server: it accepts one
// client and sends back the line it reads in capitals.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "ERROR, no port provided")
		os.Exit(1)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("", os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR on binding:", err)
		os.Exit(1)
	}
	c, err := l.Accept()
	if err != nil {
		os.Exit(1)
	}
	text, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Fprint(c, strings.ToUpper(text))
	c.Close()
}
