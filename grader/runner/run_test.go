//go:build unix

package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"socklab/grader/scenario"
)

// A log as testscript writes it for a failed scenario.
const failedLog = `WORK=/tmp/socklab-script-1/script-x
# points: 4 (0.000s)
# The server answers. (0.021s)
> port PORT
> start server $PORT
> await server 0
[stdout]
> not a command, a line the program printed
Here is the message: hi

[stderr]
oops

FAIL: testdata/01-stream/x.txtar:6: server exited with status 1, want exit status 0
`

func TestFeedback(t *testing.T) {
	sc := scenario.Scenario{Header: []string{"# points: 4", "# The server answers."}, Description: "The server answers."}
	// As publish records them: "[stream]\n" + output + "\n".
	published := []string{"[stdout]\n> not a command, a line the program printed\nHere is the message: hi\n\n", "[stderr]\noops\n\n"}
	got := feedback(sc, failedLog, published, "server exited with status 1\n")
	assert.Equal(t, `> port PORT
> start server $PORT
> await server 0
FAIL: testdata/01-stream/x.txtar:6: server exited with status 1, want exit status 0
what happened:
server exited with status 1`, got)
	assert.Equal(t, "server exited with status 1, want exit status 0", failure(failedLog))
	assert.Equal(t, "failed", failure("no failure line"))
}
