//go:build unix

package script

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

func init() {
	fixtures["group-server"] = groupServer
}

// groupServer MODE ADDR serves clients on ADDR, answering each line with
// "echo: LINE" after printing "PEER: LINE". MODE is how: concurrent (a
// goroutine a client), serial (one client after the other), or split
// (concurrent, printing each line in two writes: "PEER: " then the rest,
// with another client's line between them when one is waiting). Each
// client that fails is reported as "ERROR PEER: reason" on stderr. On
// SIGTERM it closes the listener and exits 0 at once.
func groupServer() {
	mode, addr := os.Args[1], os.Args[2]
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		ln.Close()
		os.Exit(0)
	}()
	var mu sync.Mutex
	pending := ""
	serve := func(c net.Conn) {
		defer c.Close()
		peer := fmt.Sprint(c.RemoteAddr())
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if line == "" && strings.Contains(err.Error(), "reset") {
					fmt.Fprintf(os.Stderr, "ERROR %s: %v\n", peer, err)
				}
				return
			}
			line = strings.TrimSuffix(line, "\n")
			mu.Lock()
			switch {
			case mode != "split":
				fmt.Printf("%s: %s\n", peer, line)
			case pending == "":
				// Print half of this line now, the rest with the next.
				fmt.Printf("%s: ", peer)
				pending = line + "\n"
			default:
				fmt.Printf("%s: %s\n%s", peer, line, pending)
				pending = ""
			}
			mu.Unlock()
			fmt.Fprintf(c, "echo: %s\n", line)
		}
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if mode == "serial" {
			serve(c)
		} else {
			go serve(c)
		}
	}
}
