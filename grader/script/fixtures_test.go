//go:build unix

package script

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// fixtures are small programs the command tests start in place of student
// programs. testscript.Main runs them from the test binary.
var fixtures = map[string]func(){
	"exit-with":   exitWith,
	"say":         say,
	"echo-input":  echoInput,
	"prompt":      prompt,
	"on-signal":   onSignal,
	"line-server": lineServer,
	"line-client": lineClient,
	"bind":        bind,
	"sleeper":     sleeper,
}

// exitWith STATUS [STDOUT [STDERR]] prints its arguments and exits.
func exitWith() {
	status, _ := strconv.Atoi(os.Args[1])
	if len(os.Args) > 2 {
		fmt.Println(os.Args[2])
	}
	if len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, os.Args[3])
	}
	os.Exit(status)
}

// say STATUS STDOUT [STDERR] prints its arguments with Go's escapes
// (\n, \t) taken, and nothing more, and exits.
func say() {
	status, _ := strconv.Atoi(os.Args[1])
	for i, w := range []io.Writer{os.Stdout, os.Stderr} {
		if len(os.Args) > i+2 {
			text, _ := unescape(os.Args[i+2])
			w.Write(text)
		}
	}
	os.Exit(status)
}

// echoInput copies its standard input to its standard output until EOF.
func echoInput() {
	io.Copy(os.Stdout, os.Stdin)
}

// prompt prints "ready> " without a newline, reads a line, prints it.
func prompt() {
	fmt.Print("ready> ")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Printf("got %s", line)
}

// onSignal prints "waiting", then exits 0 on SIGTERM, printing it.
func onSignal() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("waiting")
	fmt.Println("got", <-c)
}

// lineServer NETWORK ADDR accepts one client, reads a line, answers
// "echo: LINE" and closes. The reply goes one byte a write.
func lineServer() {
	ln, err := net.Listen(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c, err := ln.Accept()
	if err != nil {
		os.Exit(1)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	fmt.Print("server got ", line)
	for _, b := range []byte("echo: " + line) {
		c.Write([]byte{b})
	}
	c.Close()
}

// lineClient NETWORK ADDR connects, prints "connected", sends the line it
// reads on stdin, then prints what comes back until EOF, or the error.
func lineClient() {
	c, err := net.Dial(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("connected")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if _, err := c.Write([]byte(line)); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		os.Exit(2)
	}
	reply, err := io.ReadAll(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(3)
	}
	fmt.Printf("reply %q\n", reply)
}

// bind NETWORK ADDR tries to listen (or bind, for UDP) and says whether
// it could.
func bind() {
	var err error
	if os.Args[1] == "udp" {
		_, err = net.ListenPacket(os.Args[1], os.Args[2])
	} else {
		_, err = net.Listen(os.Args[1], os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("bound")
}

// sleeper ignores SIGINT and SIGTERM and never exits.
func sleeper() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	fmt.Println("sleeping")
	for {
		time.Sleep(time.Hour) // not select{}: the runtime would call that a deadlock
	}
}
