package runner

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"socklab/grader/scenario"
	"socklab/grader/script"
)

// feedback turns the log of a failed scenario into the one-line reason of
// its table row and what a student reads below it:
//
//   - the story up to the step that failed, from the scenario file itself
//     (testscript's log keeps only the last part of a script with comments
//     between its steps),
//   - what the failing step logged, such as a diff,
//   - the failure, with the scenario's file and line,
//   - what happened: how each program ended, what it printed, and what
//     each grader connection sent and received.
func feedback(sc scenario.Scenario, log string, report string) (line int, reason, text string) {
	var b strings.Builder
	line, reason, ok := failure(sc, log)
	if ok {
		story(&b, sc, line)
		for _, l := range stepLog(log) {
			b.WriteString(l + "\n")
		}
		fmt.Fprintf(&b, "FAIL: %s:%d: %s\n", sc.Path, line, reason)
	} else {
		reason = "failed"
		b.WriteString(log)
	}
	if report != "" {
		b.WriteString("what happened:\n")
		b.WriteString(report)
	}
	return line, shorten(reason, failCap), bound(strings.TrimRight(b.String(), "\n"))
}

// Bounds on feedback: what a program sends or prints can be long, and a
// failure message may quote it. The commands quote a program's output
// cut short, and what was expected whole, so the failure line has a cap of
// its own, well above what a scenario expects.
const (
	lineCap     = 1000     // bytes a line of feedback shows
	failCap     = 16 << 10 // bytes the failure line shows
	feedbackCap = 32 << 10 // bytes the feedback of a scenario shows
)

// bound cuts each line of s to lineCap bytes (the failure line to
// failCap) and all of it to feedbackCap.
func bound(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if b.Len() >= feedbackCap {
			b.WriteString("… (more, cut)\n")
			break
		}
		nl := strings.HasSuffix(line, "\n")
		limit := lineCap
		if strings.HasPrefix(line, "FAIL: ") {
			limit = failCap
		}
		b.WriteString(shorten(strings.TrimSuffix(line, "\n"), limit))
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// shorten cuts s to n bytes, on a UTF-8 boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "… (cut)"
}

// failure finds the line and the message of testscript's report of the
// failing step: the last line "FAIL: <scenario>:<line>: <message>" of the
// log, as what a program printed comes before it.
func failure(sc scenario.Scenario, log string) (line int, msg string, ok bool) {
	re := regexp.MustCompile(`(?m)^FAIL: ` + regexp.QuoteMeta(sc.Path) + `:(\d+): (.*)$`)
	all := re.FindAllStringSubmatch(log, -1)
	if len(all) == 0 {
		return 0, "", false
	}
	last := all[len(all)-1]
	line, _ = strconv.Atoi(last[1])
	return line, last[2], true
}

// story writes the scenario's steps after its header, up to and including
// line n: commands as "> command", comments as they are. A step whose
// [condition] did not hold did not run, and is left out.
func story(b *strings.Builder, sc scenario.Scenario, n int) {
	for i := len(sc.Header); i < n && i < len(sc.Script); i++ {
		line := strings.TrimSpace(sc.Script[i])
		switch {
		case line == "", !script.Ran(line):
		case strings.HasPrefix(line, "#"):
			b.WriteString(line + "\n")
		default:
			b.WriteString("> " + line + "\n")
		}
	}
}

// stepLog returns what the failing step logged: the lines between the
// last command echoed in the log and the failure.
func stepLog(log string) []string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	start := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "> ") {
			start = i + 1
		}
	}
	var out []string
	for _, l := range lines[start:] {
		if strings.HasPrefix(l, "FAIL: ") {
			break
		}
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
