package script

import (
	"fmt"
	"regexp/syntax"
	"strings"
)

// Describe says in words what a line must look like to match pattern, a
// regular expression of a scenario, for students who do not read regular
// expressions: `^usage` is `a line beginning with "usage"`, `^ERROR on
// binding: .` is `a line beginning with "ERROR on binding: " and more
// after it`. ok is false for a pattern it cannot put in words (it then
// returns the pattern in backquotes); the grader's tests require every
// pattern of the course to be one it can.
func Describe(pattern string) (words string, ok bool) {
	body, fold := strings.CutPrefix(pattern, "(?i)") // the text as written: parsed, (?i) would fold it
	re, err := syntax.Parse(body, syntax.Perl)
	if err != nil {
		return "a match for `" + pattern + "`", false
	}
	parts := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		parts = re.Sub
	}
	var begins, ends, more bool
	if len(parts) > 0 && (parts[0].Op == syntax.OpBeginLine || parts[0].Op == syntax.OpBeginText) {
		begins, parts = true, parts[1:]
	}
	if n := len(parts); n > 0 && (parts[n-1].Op == syntax.OpEndLine || parts[n-1].Op == syntax.OpEndText) {
		ends, parts = true, parts[:n-1]
	}
	if n := len(parts); n > 0 && !ends {
		switch tail := parts[n-1]; {
		case anyChar(tail), tail.Op == syntax.OpPlus && anyChar(tail.Sub[0]):
			more, parts = true, parts[:n-1]
		case tail.Op == syntax.OpStar && anyChar(tail.Sub[0]):
			parts = parts[:n-1] // "and anything": as if the pattern stopped there
		}
	}
	var text strings.Builder
	for _, p := range parts {
		switch {
		case p.Op == syntax.OpLiteral && p.Flags&syntax.FoldCase == 0:
			text.WriteString(string(p.Rune))
		case p.Op == syntax.OpEmptyMatch:
		default:
			return "a match for `" + pattern + "`", false
		}
	}
	if text.Len() == 0 {
		return "a match for `" + pattern + "`", false
	}
	quoted := fmt.Sprintf("%q", text.String())
	if fold {
		quoted += " (in any case)"
	}
	switch {
	case begins && ends:
		return "a line " + quoted, true
	case begins && more:
		return "a line beginning with " + quoted + " and more after it", true
	case begins:
		return "a line beginning with " + quoted, true
	case ends:
		return "a line ending with " + quoted, true
	case more:
		return "a line containing " + quoted + " and more after it", true
	}
	return "a line containing " + quoted, true
}

// anyChar reports whether re is ".", any character.
func anyChar(re *syntax.Regexp) bool {
	return re.Op == syntax.OpAnyCharNotNL || re.Op == syntax.OpAnyChar
}

// describe is Describe without ok: the words, or the pattern.
func describe(pattern string) string {
	words, _ := Describe(pattern)
	return words
}
