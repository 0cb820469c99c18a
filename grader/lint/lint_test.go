//go:build unix

package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// good is a clean scenario: header, then the story.
const good = `# points: 5
# The server prints the message and answers.

port PORT
start server $PORT
dial c tcp 127.0.0.1:$PORT
send c 'hello\n'
recvall c 'I got your message'
await server 0
printed server stdout 'Here is the message: hello'
`

// withBody is a clean header followed by body.
func withBody(body string) string {
	return "# points: 5\n# The server prints the message and answers.\n\nport PORT\nstart server $PORT\n" + body
}

// check asserts that problems are exactly want, each "LINE: TEXT" (the
// problem on that line contains TEXT), in order.
func check(t *testing.T, problems []Problem, want ...string) {
	t.Helper()
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	require.Len(t, problems, len(want), "problems:\n%s", strings.Join(got, "\n"))
	for i, w := range want {
		line, text, _ := strings.Cut(w, ": ")
		assert.Equal(t, line, fmt.Sprint(problems[i].Line), "problem %d: %s", i, got[i])
		assert.Contains(t, problems[i].Msg, text, "problem %d", i)
	}
}

func TestFile(t *testing.T) {
	cases := []struct {
		name string // test name
		file string // file name
		data string
		want []string // "LINE: TEXT"
	}{
		{"clean", "message-ack-server.txtar", good, nil},
		{"clean with every kind of line", "eof-server-half-close.txtar", `# points: 5
# timeout: 5s
# visibility: hidden
# The server reads to EOF; sleep is a word a description may use.
# More header, not the description.

# Never sleep: the grader waits on events. A comment mentioning sleep is fine.
[!ipv6] skip 'no IPv6 loopback here'
[unix] [!short] port PORT # a trailing comment: sleep
[go1.21] [linux] [exec:sh] start server $PORT
dial -within 2s c tcp [::1]:$PORT
send c 'sleep well\n'
send c 'it''s # not a comment; sleep 1'
send -chunk 1 -gap 5ms c '$NOT expanded'
shutdown c
recvall c 'I got your message'
await server 0
exact server stdout 'Here is the message: sleep well\n'
reported server '^ERROR '
errformat server '(?i)^ERROR on binding: .'
waitfor -within 1s server stdout '^sleep$'
env NAME=sleep
exists $NAME

-- data.txt --
sleep is data here, not a command
`, nil},

		// the header
		{"no points", "eof-server-x.txtar", "# The server answers.\n\nport PORT\nstart server $PORT\n",
			[]string{"1: no '# points: N' line"}},
		{"malformed points", "eof-server-x.txtar", "# points: five\n# The server answers.\n\nstart server\n",
			[]string{"1: points: want a whole number"}},
		{"negative points", "eof-server-x.txtar", "# The server answers.\n# points: -3\n\nstart server\n",
			[]string{"2: points: want a whole number"}},
		{"no description", "eof-server-x.txtar", "# points: 5\n\nport PORT\nstart server $PORT\n",
			[]string{"1: no description"}},
		{"timeout over the maximum", "eof-server-x.txtar", "# points: 5\n# timeout: 2m\n# The server answers.\n\nstart server\n",
			[]string{"2: timeout: want a duration up to 1m0s"}},
		{"malformed timeout", "eof-server-x.txtar", "# points: 5\n# timeout: soon\n# The server answers.\n\nstart server\n",
			[]string{"2: timeout: want a duration"}},
		{"bad visibility", "eof-server-x.txtar", "# points: 5\n# visibility: secret\n# The server answers.\n\nstart server\n",
			[]string{"2: visibility: want one of"}},
		{"points twice", "eof-server-x.txtar", "# points: 5\n# The server answers.\n# points: 6\n\nstart server\n",
			[]string{"3: points is set twice in the header (first on line 1)"}},
		{"a TODO description", "eof-server-x.txtar", "# points: 5\n# TODO: say what it checks\n\nstart server\n",
			[]string{"2: the description is still a TODO"}},
		{"a TODO in the story", "eof-server-x.txtar", withBody("# TODO: check stderr too\nawait server 0\n"),
			[]string{"6: a TODO left in a comment"}},

		// the file name
		{"one word", "eof.txtar", good, []string{"1: at least two words"}},
		{"uppercase", "EOF-server.txtar", good, []string{"1: lowercase only"}},
		{"underscore", "eof_server.txtar", good, []string{"1: join the words with '-'"}},
		{"double dash", "eof--server.txtar", good, []string{"1: want lowercase words"}},
		{"trailing dash", "eof-server-.txtar", good, []string{"1: want lowercase words"}},

		// sleep, in every disguise
		{"sleep", "eof-server-x.txtar", withBody("sleep 1\n"), []string{"6: never sleep"}},
		{"sleep with a condition and !", "eof-server-x.txtar", withBody("[unix] ! sleep 1s\n"), []string{"6: never sleep"}},
		{"sleep by path", "eof-server-x.txtar", withBody("/bin/sleep 1\n"), []string{"6: never sleep"}},
		{"sleep quoted", "eof-server-x.txtar", withBody("'sleep' 1\n"), []string{"6: never sleep"}},
		{"sleep spliced", "eof-server-x.txtar", withBody("sl''eep 1\n"), []string{"6: never sleep"}},
		{"!sleep", "eof-server-x.txtar", withBody("!sleep 1\n"), []string{"6: never sleep"}},
		{"usleep", "eof-server-x.txtar", withBody("usleep 1000\n"), []string{"6: never sleep"}},
		{"Sleep", "eof-server-x.txtar", withBody("Sleep 1\n"), []string{"6: never sleep"}},
		{"exec sleep", "eof-server-x.txtar", withBody("exec sleep 1\n"),
			[]string{"6: exec: scenarios run no other programs", "6: never sleep"}},
		{"exec /bin/sleep", "eof-server-x.txtar", withBody("exec /bin/sleep 1 &\n"),
			[]string{"6: exec:", "6: never sleep"}},
		{"exec timeout sleep", "eof-server-x.txtar", withBody("exec timeout 5 sleep 1\n"),
			[]string{"6: exec:", "6: never sleep"}},
		{"exec sh -c sleep", "eof-server-x.txtar", withBody("exec sh -c 'echo hi; sleep 0.5'\n"),
			[]string{"6: exec:", "6: never sleep"}},
		{"exec python sleep", "eof-server-x.txtar", withBody("exec python3 -c 'import time; time.sleep(1)'\n"),
			[]string{"6: exec:", "6: never sleep"}},
		{"exec a script that sleeps", "eof-server-x.txtar", withBody("exec sh $WORK/wait.sh\n-- wait.sh --\nwhile :; do sleep 1; done\n"),
			[]string{"6: exec:", "6: never sleep"}},
		{"exec a script that does not", "eof-server-x.txtar", withBody("exec sh wait.sh\n-- wait.sh --\necho hi\n"),
			[]string{"6: exec:"}},
		{"exec", "eof-server-x.txtar", withBody("exec echo hi\n"), []string{"6: exec: scenarios run no other programs; start"}},
		{"start sleep", "eof-server-x.txtar", withBody("start -as nap sleep 1\n"), []string{"6: never sleep"}},
		{"sleep from a variable", "eof-server-x.txtar", withBody("env S=sleep\n$S 1\n"),
			[]string{"7: comes from a variable"}},
		{"sleep from a braced variable", "eof-server-x.txtar", withBody("[unix] ${S}\n"),
			[]string{"6: comes from a variable"}},

		// commands and conditions
		{"unknown command", "eof-server-x.txtar", withBody("dail c tcp 127.0.0.1:$PORT\n"),
			[]string{`6: unknown command "dail": neither testscript's nor a scenario command (did you mean "dial"?)`}},
		{"unknown command, nothing close", "eof-server-x.txtar", withBody("frobnicate\n"),
			[]string{`6: unknown command "frobnicate": neither testscript's nor a scenario command`}},
		{"! before a scenario command", "eof-server-x.txtar", withBody("! await server 0\n"),
			[]string{"6: '!' before await"}},
		{"! alone", "eof-server-x.txtar", withBody("[unix] !\n"), []string{"6: '!' with no command"}},
		{"unknown condition", "eof-server-x.txtar", withBody("[ipv4] skip\n[!ipv6] skip\n[exec:] skip\n"),
			[]string{"6: unknown condition [ipv4]", "8: unknown condition [exec:]"}},
		{"condition alone", "eof-server-x.txtar", withBody("[unix]\n"), []string{"6: a condition with no command"}},
		{"unterminated quote", "eof-server-x.txtar", withBody("dial c tcp 127.0.0.1:$PORT\nsend c 'hello\n"), []string{"7: a quoted argument is not closed"}},
		{"names before they are defined", "eof-server-x.txtar", withBody("send c 'x'\ndial c tcp 127.0.0.1:$PORT\n" +
			"await srever\naccept l d\nrelayed r 'a' 'b'\nrecvall $OTHER\nport OTHER\n"),
			[]string{"6: send: the connection \"c\" is used before line 7 defines it",
				`8: await: no line defines a program named "srever" (did you mean "server"?)`,
				`9: accept: no line defines a listener named "l"`,
				`10: relayed: no line defines a relay named "r"`,
				"11: $OTHER is used before line 12 leases it", `11: recvall: no line defines a connection named "$OTHER"`}},
		{"names a command waits for may come later", "eof-server-x.txtar", withBody("relay -to late r tcp :1 :2\ndial -to=late c tcp :1\nstart -as late server\n"), nil},
		{"testscript's output checks", "eof-server-x.txtar", withBody("await server\nstdout '^x'\n! stderr .\ncmp stdout want.txt\ncmp $WORK/file want.txt\n"),
			[]string{"7: stdout: testscript's output checks", "8: stderr: testscript's", "9: cmp: testscript's"}},
		{"a pattern not in words", "eof-server-x.txtar", withBody("await server\nreported server '^ERROR [0-9]+'\nwaitfor -within 1s server stderr 'a|b'\n"),
			[]string{"7: reported: the grader cannot put the pattern \"^ERROR [0-9]+\" in words", "8: waitfor: the grader cannot put"}},

		// the whole file
		{"starts no program", "eof-server-x.txtar", "# points: 5\n# Nothing.\n\nport PORT\n",
			[]string{"4: starts no program"}},
		{"archive file twice", "eof-server-x.txtar", withBody("-- a.txt --\none\n-- b.txt --\n-- a.txt --\ntwo\n"),
			[]string{"9: the archive holds a.txt twice (first on line 6)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join("testdata", "01-stream", c.file)
			problems, _, _ := File(path, []byte(c.data))
			check(t, problems, c.want...)
			for _, p := range problems {
				assert.Equal(t, path, p.Path)
				assert.True(t, strings.HasPrefix(p.String(), fmt.Sprintf("%s:%d: ", path, p.Line)), p.String())
			}
		})
	}
}

// TestSplitLine: lines split as testscript splits them.
func TestSplitLine(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{"send c 'a b'", []string{"send", "c", "a b"}},
		{"  send\tc  x  ", []string{"send", "c", "x"}},
		{"send c 'it''s'", []string{"send", "c", "it's"}},
		{"send c a'b c'd", []string{"send", "c", "ab cd"}},
		{"send c x # y 'z", []string{"send", "c", "x"}},
		{"send c '#x'#y", []string{"send", "c", "#x"}},
		{"send c ''", []string{"send", "c", ""}},
		{"# all comment", nil},
		{"", nil},
	}
	for _, c := range cases {
		args, ok := splitLine(c.line)
		require.True(t, ok, c.line)
		var got []string
		for _, a := range args {
			got = append(got, a.text)
		}
		assert.Equal(t, c.want, got, c.line)
	}
	args, _ := splitLine("$A '$B' x$C")
	assert.True(t, args[0].expanded)
	assert.False(t, args[1].expanded)
	assert.True(t, args[2].expanded)
	_, ok := splitLine("send c 'open")
	assert.False(t, ok)
}

// writeAssignment writes files (name -> contents) into dir.
func writeAssignment(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
}

// scenarioWorth is a clean scenario worth points, with its own
// description and steps.
func scenarioWorth(points int, what string) string {
	return fmt.Sprintf("# points: %d\n# The server answers %s.\n\nport PORT\nstart server $PORT\ndial c tcp 127.0.0.1:$PORT\nsend c '%s\\n'\n",
		points, what, what)
}

func TestAssignment(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(60, "one"),
			"a-server-two.txtar": scenarioWorth(40, "two"),
		})
		n, problems, err := Assignment(dir)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		check(t, problems)
	})
	t.Run("any points, and a header with a total", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(6, "one"),
			"a-server-two.txtar": scenarioWorth(45, "two"),
			"ASSIGNMENT":         "# total: 100\n# Scaled to 100.\n",
		})
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems)
	})
	t.Run("a bad header", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(6, "one"),
			"ASSIGNMENT":         "# A comment.\n# total: lots\n",
		})
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "2: header: total: want a whole number above 0")
		assert.Equal(t, filepath.Join(dir, "ASSIGNMENT"), problems[0].Path)
	})
	t.Run("a scenario without points", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(60, "one"),
			"a-server-two.txtar": "# The server answers.\n\nstart server\n",
		})
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "1: no '# points: N'")
	})
	t.Run("not a scenario", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(100, "one"),
			"a-server-two.txt":   scenarioWorth(10, "two"),
			"notes.md":           "notes",
		})
		require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "0: not a scenario", "0: not a scenario", "0: not a scenario")
		assert.Equal(t, filepath.Join(dir, "a-server-two.txt"), problems[0].Path)
	})
	t.Run("names that differ only by case", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{"a-server-one.txtar": scenarioWorth(50, "one")})
		writeAssignment(t, dir, map[string]string{"A-server-One.txtar": scenarioWorth(50, "two")})
		if entries, _ := os.ReadDir(dir); len(entries) < 2 {
			t.Skip("this file system ignores case")
		}
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "1: lowercase only", "1: the same name as a-server-one.txtar but for case",
			"1: the same name as A-server-One.txtar but for case")
	})
	t.Run("the same description", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(50, "one"),
			"a-server-two.txtar": strings.Replace(scenarioWorth(50, "two"), "answers two", "answers one", 1),
		})
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "2: the same description as a-server-one.txtar")
		assert.Equal(t, filepath.Join(dir, "a-server-two.txtar"), problems[0].Path)
	})
	t.Run("the same steps", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "01-x")
		writeAssignment(t, dir, map[string]string{
			"a-server-one.txtar": scenarioWorth(50, "one"),
			"a-server-two.txtar": strings.Replace(scenarioWorth(50, "one"), "answers one", "answers two", 1),
		})
		_, problems, err := Assignment(dir)
		require.NoError(t, err)
		check(t, problems, "4: the same steps as a-server-one.txtar")
	})
}

func TestDir(t *testing.T) {
	testdata := t.TempDir()
	writeAssignment(t, filepath.Join(testdata, "01-x"), map[string]string{"a-server-one.txtar": scenarioWorth(100, "one")})
	writeAssignment(t, filepath.Join(testdata, "2-y"), map[string]string{"a-server-one.txtar": scenarioWorth(100, "one")})
	writeAssignment(t, filepath.Join(testdata, "fixtures"), map[string]string{"data.bin": "x"})
	writeAssignment(t, testdata, map[string]string{"stray-server.txtar": scenarioWorth(5, "x"), "SEAL": "# sums\n"})
	rep, err := Dir(testdata)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Assignments)
	assert.Equal(t, 1, rep.Scenarios)
	check(t, rep.Problems, "0: is not named like an assignment", "0: a scenario outside any assignment directory")

	_, err = Dir(filepath.Join(testdata, "no-such-dir"))
	assert.Error(t, err)
}

// TestRealTestdata: the course's own scenarios are clean.
func TestRealTestdata(t *testing.T) {
	rep, err := Dir("../../testdata")
	require.NoError(t, err)
	assert.Positive(t, rep.Assignments)
	assert.Positive(t, rep.Scenarios)
	check(t, rep.Problems)
}

func TestNames(t *testing.T) {
	for _, name := range []string{"eof-server-slow-close", "ipv6-client", "a-b", "port-in-use-server"} {
		assert.NoError(t, CheckName(name), name)
	}
	for _, name := range []string{"", "eof", "Eof-server", "eof_server", "eof-server.txtar", "eof--server", "-eof-server", "eof-server-", "eof server", "éof-server"} {
		assert.Error(t, CheckName(name), name)
	}
	assert.NoError(t, CheckAssignment("01-stream"))
	for _, name := range []string{"1-stream", "01_stream", "01-Stream", "stream", "01-"} {
		assert.Error(t, CheckAssignment(name), name)
	}

	for name, want := range map[string]string{
		"eof-server-x": "server", "eof-client-x": "client", "message-ack-pair": "pair",
		"relay-client-server": "pair", "timeout-slow": "",
	} {
		assert.Equal(t, want, Role(name), name)
	}
}
