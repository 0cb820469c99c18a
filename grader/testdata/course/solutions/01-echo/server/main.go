// Command server is the fixture course's echo server: it accepts one
// client, reads one line and sends it back after "echo: ".
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func die(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		die("ERROR, no port provided")
	}
	l, err := net.Listen("tcp", net.JoinHostPort("", os.Args[1]))
	if err != nil {
		die("ERROR on binding: " + err.Error())
	}
	c, err := l.Accept()
	if err != nil {
		die("ERROR on accept: " + err.Error())
	}
	text, err := bufio.NewReader(c).ReadString('\n')
	if text == "" && err != nil {
		die("ERROR reading: " + err.Error())
	}
	text = strings.TrimSuffix(text, "\n")
	fmt.Println("got: " + text)
	fmt.Fprintf(c, "echo: %s\n", text)
	c.Close()
}
