//go:build unix

package script

import (
	"fmt"
	"os"
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

// The markers of the command reference in grader/README.md.
const (
	ReferenceStart = "<!-- commands -->\n"
	ReferenceEnd   = "<!-- end commands -->"
)

// CurrentReference returns the command reference between the markers of
// a file's text, and whether it has them.
func CurrentReference(text string) (string, bool) {
	_, after, ok := strings.Cut(text, ReferenceStart)
	if !ok {
		return "", false
	}
	section, _, ok := strings.Cut(after, ReferenceEnd)
	return section, ok
}

// WriteReference puts Reference between the markers of the file at path.
func WriteReference(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(data)
	old, ok := CurrentReference(text)
	if !ok {
		return fmt.Errorf("%s has no %q and %q markers", path, strings.TrimSpace(ReferenceStart), ReferenceEnd)
	}
	text = strings.Replace(text, ReferenceStart+old+ReferenceEnd, ReferenceStart+Reference()+ReferenceEnd, 1)
	return os.WriteFile(path, []byte(text), 0o644)
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
