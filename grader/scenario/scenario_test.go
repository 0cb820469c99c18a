package scenario

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	sc, err := Parse([]byte(`# points: 7
# timeout: 3s
# visibility: after_due_date
# The server says hello.
# More words that are not the description.

# A comment in the story: points: 99 is not a header.
port PORT
start server $PORT
[ipv6] start -as other client ::1 $PORT
start -as=third relay-helper
start server
`))
	require.NoError(t, err)
	assert.Equal(t, 7, sc.Points)
	assert.Equal(t, 3*time.Second, sc.Timeout)
	assert.Equal(t, "after_due_date", sc.Visibility)
	assert.Equal(t, "The server says hello.", sc.Description)
	assert.Equal(t, []string{"server", "client", "relay-helper"}, sc.Programs)
	assert.Len(t, sc.Header, 5)
	assert.Len(t, sc.Script, 12)
	assert.Equal(t, "port PORT", sc.Script[7])
}

func TestParseDefaults(t *testing.T) {
	sc, err := Parse([]byte("# points: 0\n# Nothing to it.\nstart client\n"))
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, sc.Timeout)
	assert.Equal(t, "visible", sc.Visibility)
	assert.Equal(t, "Nothing to it.", sc.Description)
}

func TestParseErrors(t *testing.T) {
	for name, script := range map[string]string{
		"no points":           "# A description.\nstart server\n",
		"points not a number": "# points: ten\n# A description.\n",
		"negative points":     "# points: -1\n# A description.\n",
		"no description":      "# points: 3\n\nstart server\n",
		"bad timeout":         "# points: 3\n# timeout: soon\n# A description.\n",
		"timeout too long":    "# points: 3\n# timeout: 10m\n# A description.\n",
		"bad visibility":      "# points: 3\n# visibility: secret\n# A description.\n",
		"header after body":   "start server\n# points: 3\n# A description.\n",
	} {
		_, err := Parse([]byte(script))
		assert.Error(t, err, name)
	}
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		path = filepath.Join(dir, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	write("02-datagram/b-second.txtar", "# points: 2\n# Second.\nstart client\n")
	write("02-datagram/a-first.txtar", "# points: 1\n# First.\nstart server\n")
	write("01-stream/usage-x.txtar", "# points: 3\n# Usage.\nstart server\n")
	write("01-stream/notes.md", "not a scenario")
	write("shared/x.txtar", "# points: 1\n# Not an assignment directory.\n")

	as, err := Discover(dir, "")
	require.NoError(t, err)
	require.Len(t, as, 2)
	assert.Equal(t, "01-stream", as[0].Name)
	assert.Equal(t, "02-datagram", as[1].Name)
	require.Len(t, as[1].Scenarios, 2)
	assert.Equal(t, "a-first", as[1].Scenarios[0].Name)
	assert.Equal(t, "02-datagram", as[1].Scenarios[0].Assignment)
	assert.Equal(t, []string{"client", "server"}, as[1].Programs())

	one, err := Discover(dir, "02-datagram")
	require.NoError(t, err)
	require.Len(t, one, 1)

	_, err = Discover(dir, "09-nothing")
	assert.ErrorContains(t, err, "no assignment")

	write("03-bad/broken.txtar", "start server\n")
	_, err = Discover(dir, "")
	assert.ErrorContains(t, err, "broken.txtar")
}

// TestRealScenarios checks every scenario of the course parses, with a
// description and at least one program.
func TestRealScenarios(t *testing.T) {
	as, err := Discover("../../testdata", "")
	require.NoError(t, err)
	for _, a := range as {
		for _, sc := range a.Scenarios {
			assert.NotEmpty(t, sc.Programs, sc.Path)
			assert.Positive(t, sc.Points, sc.Path)
		}
	}
}

func TestFamily(t *testing.T) {
	known := []string{"eof", "message-ack", "port-in-use", "usage"}
	for name, want := range map[string]string{
		"eof-server-slow-close":       "eof",
		"message-ack-client-hostname": "message-ack",
		"message-ack-pair":            "message-ack",
		"port-in-use-server":          "port-in-use",
		"byte-stream-client":          "byte-stream",
		"ipv6-server":                 "ipv6",
		"exit-client":                 "exit",
		"eof-slow-client":             "eof-slow", // the role word decides, not a family it starts with
		"port-in-use-twice":           "port-in-use",
		"timeout-slow-close":          "timeout",
		"eof":                         "eof",
	} {
		assert.Equal(t, want, Family(name, known...), name)
	}
	assert.Equal(t, "port", Family("port-in-use-twice"), "without known families: the first word")
}

func TestNamed(t *testing.T) {
	a := Assignment{Name: "01-x"}
	for _, n := range []string{"message-ack-server", "message-ack-server-long", "message-ack-client", "exit-client"} {
		a.Scenarios = append(a.Scenarios, Scenario{Name: n, Family: Family(n)})
	}
	assert.Equal(t, []string{"message-ack-server"}, a.Named("message-ack-server"),
		"a scenario's name is that scenario only, not those it is the start of")
	assert.Equal(t, []string{"message-ack-server", "message-ack-server-long", "message-ack-client"}, a.Named("message-ack"))
	assert.Equal(t, []string{"exit-client"}, a.Named("exit"))
	assert.Empty(t, a.Named("message"))
}
