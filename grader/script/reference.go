//go:build unix

package script

import (
	"fmt"
	"strings"
)

// Reference is the scenario command reference of grader/README.md,
// in Markdown: a table of the commands of each group, from the table of
// Specs.
func Reference() string {
	var b strings.Builder
	for i, group := range Groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s:\n\n| Command | What it does |\n|---|---|\n", group)
		for _, s := range specs {
			if s.Group != group {
				continue
			}
			what := s.Summary
			if s.Detail != "" {
				what += ". " + s.Detail
			}
			if s.Background {
				what += " (It goes on in the background.)"
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", s.Usage(), strings.ReplaceAll(what, "|", `\|`))
		}
	}
	return b.String()
}

// Help is what `grader help NAME` says of the command: its usage, what it
// does, and more.
func (s Spec) Help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n\n%s.\n", s.Usage(), capitalize(s.Summary))
	if s.Detail != "" {
		fmt.Fprintf(&b, "%s\n", s.Detail)
	}
	if s.Background {
		b.WriteString("It goes on in the background while the scenario does.\n")
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
