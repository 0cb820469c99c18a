// Command client is the fixture course's echo client: it sends one line
// of its input and prints what comes back.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
)

func die(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		die("usage: client host port")
	}
	c, err := net.Dial("tcp", net.JoinHostPort(os.Args[1], os.Args[2]))
	if err != nil {
		die("ERROR connecting: " + err.Error())
	}
	text, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if _, err := io.WriteString(c, text); err != nil {
		die("ERROR writing: " + err.Error())
	}
	back, err := io.ReadAll(c)
	if err != nil || len(back) == 0 {
		die(fmt.Sprint("ERROR reading: ", err))
	}
	fmt.Print(string(back))
}
