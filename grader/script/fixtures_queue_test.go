//go:build unix

package script

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	fixtures["queue-server"] = queueServer
}

// queueServer [-data DIR] [-fault FAULT] ADDR serves the queue protocol of
// 05-mqueue (PUT, GET with a wait, LEN) on ADDR, every request carried out
// and answered under one lock; with -data, a log in DIR of each PUT
// before its OK and each take before its MSG, read back at start. FAULT
// is none, or: lose (every 20th PUT is answered OK and dropped),
// forget-takes (takes are not logged), early (a GET that would wait
// answers EMPTY at once), no-len (LEN is answered "OK 0").
func queueServer() {
	fs := flag.NewFlagSet("queue-server", flag.ExitOnError)
	dir := fs.String("data", "", "")
	fault := fs.String("fault", "", "")
	fs.Parse(os.Args[1:])
	s := &fixtureQueues{fault: *fault, queues: map[string][]string{}, ids: map[string]map[string]int{},
		last: map[string]int{}, waiters: map[string][]chan string{}}
	if *dir != "" {
		if err := s.open(*dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	ln, err := net.Listen("tcp", fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}

type fixtureQueues struct {
	fault   string
	mu      sync.Mutex
	queues  map[string][]string       // messages, oldest first
	ids     map[string]map[string]int // the id of each message, by queue
	last    map[string]int
	puts    int
	waiters map[string][]chan string // GETs waiting, first come first served: a PUT hands its answer to the first
	log     *os.File
}

// open reads the log of dir back, and opens it for what comes.
func (s *fixtureQueues) open(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "log")
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(data), "\n") {
		w := strings.SplitN(line, " ", 4)
		if len(w) < 3 {
			continue
		}
		id, _ := strconv.Atoi(w[2])
		switch w[0] {
		case "PUT":
			s.add(w[1], id, w[3])
		case "TAKE":
			i := slices.IndexFunc(s.queues[w[1]], func(m string) bool { return s.ids[w[1]][m] == id })
			if i >= 0 {
				s.queues[w[1]] = slices.Delete(s.queues[w[1]], i, i+1)
			}
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	s.log = f
	return err
}

func (s *fixtureQueues) add(q string, id int, m string) {
	s.queues[q] = append(s.queues[q], m)
	if s.ids[q] == nil {
		s.ids[q] = map[string]int{}
	}
	s.ids[q][m] = id
	s.last[q] = max(s.last[q], id)
}

func (s *fixtureQueues) record(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format, args...)
	}
}

func (s *fixtureQueues) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(c, "%s\n", s.answer(strings.TrimSuffix(line, "\n"))); err != nil {
			return
		}
	}
}

func (s *fixtureQueues) answer(line string) string {
	w := strings.SplitN(line, " ", 3)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case w[0] == "PUT" && len(w) >= 2:
		m := ""
		if len(w) == 3 {
			m = w[2]
		}
		s.last[w[1]]++
		id := s.last[w[1]]
		if s.puts++; s.fault == "lose" && s.puts%20 == 0 {
			return fmt.Sprintf("OK %d", id)
		}
		s.add(w[1], id, m)
		s.record("PUT %s %d %s\n", w[1], id, m)
		if ws := s.waiters[w[1]]; len(ws) > 0 {
			s.waiters[w[1]] = ws[1:]
			ws[0] <- s.take(w[1])
		}
		return fmt.Sprintf("OK %d", id)
	case w[0] == "GET" && len(w) >= 2 && len(s.queues[w[1]]) > 0:
		return s.take(w[1])
	case w[0] == "GET" && len(w) == 3 && s.fault != "early":
		ms, _ := strconv.Atoi(w[2])
		ch := make(chan string, 1)
		s.waiters[w[1]] = append(s.waiters[w[1]], ch)
		s.mu.Unlock()
		var answer string
		select {
		case answer = <-ch:
		case <-time.After(time.Duration(ms) * time.Millisecond):
		}
		s.mu.Lock()
		if i := slices.Index(s.waiters[w[1]], ch); i >= 0 {
			s.waiters[w[1]] = slices.Delete(s.waiters[w[1]], i, i+1)
			return "EMPTY"
		}
		if answer == "" {
			answer = <-ch // handed a message as the time ran out
		}
		return answer
	case w[0] == "GET" && len(w) >= 2:
		return "EMPTY"
	case w[0] == "LEN" && len(w) == 2 && s.fault == "no-len":
		return "OK 0"
	case w[0] == "LEN" && len(w) == 2:
		return fmt.Sprintf("LEN %d", len(s.queues[w[1]]))
	}
	return "ERR unknown command"
}

// take takes the oldest message of queue q, which has one, and returns
// its answer.
func (s *fixtureQueues) take(q string) string {
	m := s.queues[q][0]
	s.queues[q] = s.queues[q][1:]
	if s.fault != "forget-takes" {
		s.record("TAKE %s %d\n", q, s.ids[q][m])
	}
	return fmt.Sprintf("MSG %d %s", s.ids[q][m], m)
}
