package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text that may carry what a student's program printed safe
// to show anywhere: in a terminal, in a CI log, in a results file.
//
//   - Control characters other than newline and tab (ANSI escape
//     sequences among them, and carriage returns that would overwrite a
//     line), bidirectional overrides, and bytes that are not UTF-8 become
//     visible escapes (\x1b, \u202e).
//   - GitHub Actions takes a line that starts with "::" (after blanks) as a
//     workflow command (::error::, ::stop-commands::, ::add-mask::), and
//     "##[" anywhere as an old-style one: their first character becomes an
//     escape too (\x3a:error::, #\x23[error]).
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lineStart := true // only blanks so far on this line
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n', r == '\t', r == ' ':
			b.WriteRune(r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		case lineStart && strings.HasPrefix(s[i:], "::"):
			b.WriteString(`\x3a`)
		case strings.HasPrefix(s[i:], "##["):
			b.WriteString(`#\x23`)
			size = 2
		default:
			b.WriteString(s[i : i+size])
		}
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
		i += size
	}
	return b.String()
}

// Cap cuts s to at most n bytes, on a UTF-8 boundary, saying so.
func Cap(s string, n int) string {
	const mark = "\n… (cut)"
	if len(s) <= n {
		return s
	}
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
