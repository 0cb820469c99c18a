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
	"strings"
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
	"try-bind":    tryBind,
	"sleeper":     sleeper,
	"udp-server":  udpServer,
	"udp-client":  udpClient,
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

// tryBind NETWORK ADDR tries to listen (or bind, for UDP) and says whether
// it could.
func tryBind() {
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

// sleeper [close-stdin] ignores SIGINT and SIGTERM and never exits; with
// close-stdin, it closes its standard input first.
func sleeper() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	if len(os.Args) > 1 && os.Args[1] == "close-stdin" {
		os.Stdin.Close()
	}
	fmt.Println("sleeping")
	for {
		time.Sleep(time.Hour) // not select{}: the runtime would call that a deadlock
	}
}

// udpServer NETWORK ADDR binds ADDR (after a moment, so that the grader
// must wait for it), and answers each datagram "echo: DATA", printing
// "got DATA", until SIGTERM.
func udpServer() {
	time.Sleep(50 * time.Millisecond)
	c, err := net.ListenPacket(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()
	buf := make([]byte, 2048)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			os.Exit(1)
		}
		fmt.Printf("got %s\n", buf[:n])
		c.WriteTo(append([]byte("echo: "), buf[:n]...), from)
	}
}

// udpClient ADDR sends the line it reads (less its newline) to ADDR as one
// datagram, from an unconnected socket, up to three times 300 ms apart,
// and prints the first answer from ADDR, ignoring others.
func udpClient() {
	to, err := net.ResolveUDPAddr("udp", os.Args[1])
	if err != nil {
		os.Exit(1)
	}
	c, err := net.ListenPacket("udp", ":0")
	if err != nil {
		os.Exit(1)
	}
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	buf := make([]byte, 2048)
	for range 3 {
		c.WriteTo([]byte(strings.TrimSuffix(line, "\n")), to)
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				break
			}
			if from.String() == to.String() {
				fmt.Printf("%s\n", buf[:n])
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, "no reply")
	os.Exit(1)
}
