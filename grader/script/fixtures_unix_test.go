//go:build unix

package script

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

func init() {
	fixtures["unix-server"] = unixServer
}

// unixServer [-umask MASK] [-chmod MODE] [-after DURATION] [-keep] PATH
// listens on a Unix stream socket at PATH, with the umask MASK around the
// bind, or chmod MODE DURATION after it, accepts one client, answers its
// line with "echo: LINE" and exits 0, removing its socket file unless
// -keep. MASK and MODE are octal.
func unixServer() {
	fs := flag.NewFlagSet("unix-server", flag.ExitOnError)
	umask := fs.String("umask", "", "")
	chmod := fs.String("chmod", "", "")
	after := fs.Duration("after", 0, "")
	keep := fs.Bool("keep", false, "")
	fs.Parse(os.Args[1:])
	path := fs.Arg(0)
	octal := func(s string) int {
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad octal:", s)
			os.Exit(2)
		}
		return int(n)
	}
	old := -1
	if *umask != "" {
		old = syscall.Umask(octal(*umask))
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if old >= 0 {
		syscall.Umask(old)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln.SetUnlinkOnClose(!*keep)
	if *chmod != "" {
		time.Sleep(*after)
		os.Chmod(path, os.FileMode(octal(*chmod)))
	}
	c, err := ln.Accept()
	if err != nil {
		os.Exit(1)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Fprintf(c, "echo: %s", line)
	c.Close()
	ln.Close()
}
