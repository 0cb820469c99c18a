//go:build unix

package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExitStatusAndOutput(t *testing.T) {
	t.Parallel()
	for _, status := range []int{0, 3} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			p := start(t, "exit", strconv.Itoa(status), "to stdout\n", "to stderr\n")
			got, err := p.Wait(timeout(t, 5*time.Second))
			require.NoError(t, err)
			assert.Equal(t, status, got)
			assert.True(t, p.Exited())
			assert.Equal(t, "to stdout\n", p.Stdout.String())
			assert.Equal(t, "to stderr\n", p.Stderr.String())
			assert.Equal(t, "exited with status "+strconv.Itoa(status), p.Status())
			select {
			case <-p.Done():
			default:
				t.Error("Done is not closed after Wait")
			}
			// Killing a program that exited by itself changes nothing.
			kill(t, p)
			assert.Equal(t, "exited with status "+strconv.Itoa(status), p.Status())
		})
	}
}

func TestStartNonexistentProgram(t *testing.T) {
	t.Parallel()
	_, err := Start("ghost", "/nonexistent/program", nil, t.TempDir(), nil)
	require.Error(t, err)
}

func TestProcessGroup(t *testing.T) {
	t.Parallel()
	p := start(t, "sleep")
	waitPrinted(t, p, "^ready$")
	pgid, err := syscall.Getpgid(p.PID())
	require.NoError(t, err)
	assert.Equal(t, p.PID(), pgid, "the program leads its own process group")
	assert.NotEqual(t, syscall.Getpgrp(), pgid)
}

func TestInputThenCloseInput(t *testing.T) {
	t.Parallel()
	p := start(t, "echo")
	require.NoError(t, p.Input(timeout(t, 5*time.Second), []byte("hello\n")))
	waitPrinted(t, p, "^hello$")
	assert.False(t, p.Exited(), "stdin stays open until CloseInput")

	require.NoError(t, p.Input(timeout(t, 5*time.Second), []byte("world\n")))
	require.NoError(t, p.CloseInput())
	got, err := p.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, 0, got)
	assert.Equal(t, "hello\nworld\n", p.Stdout.String())

	assert.NoError(t, p.CloseInput(), "closing twice")
	assert.ErrorIs(t, p.Input(timeout(t, 5*time.Second), []byte("late\n")), os.ErrClosed)
}

func TestInputGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	p := start(t, "sleep") // never reads its input
	waitPrinted(t, p, "^ready$")
	result := make(chan error, 1)
	go func() { result <- p.Input(timeout(t, 200*time.Millisecond), make([]byte, 4<<20)) }()
	select {
	case err := <-result:
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(5 * time.Second):
		kill(t, p) // the write fails once nothing can read the pipe
		<-result
		t.Fatal("Input did not give up at its deadline")
	}
}

// Input's doc: it gives up at ctx's deadline. A ctx without one must not
// inherit the deadline of an earlier call.
func TestInputWithoutDeadlineAfterOneWithDeadline(t *testing.T) {
	t.Parallel()
	p := start(t, "echo")
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.NoError(t, p.Input(short, []byte("one\n")))
	waitPrinted(t, p, "^one$")
	// The pipe's deadline expires on a runtime timer of its own, which may
	// fire a moment after the context's: wait until well past both.
	d, _ := short.Deadline()
	<-timeoutAt(t, d.Add(50*time.Millisecond)).Done()

	// The echo child reads everything: this write cannot block.
	err := p.Input(context.Background(), []byte("two\n"))
	require.NoError(t, err, "Input with no deadline failed: the previous call's deadline is still set on the pipe")
	waitPrinted(t, p, "^two$")
}

func TestWaitMatch(t *testing.T) {
	t.Parallel()
	t.Run("match", func(t *testing.T) {
		t.Parallel()
		p := start(t, "echo")
		require.NoError(t, p.Input(timeout(t, 5*time.Second), []byte("port 4242 ready\n")))
		err := p.Stdout.WaitMatch(timeout(t, 5*time.Second), regexp.MustCompile(`(?m)^port \d+ ready$`))
		require.NoError(t, err)
		assert.False(t, p.Exited())
	})
	t.Run("exit without match", func(t *testing.T) {
		t.Parallel()
		p := start(t, "exit", "0", "something else\n", "")
		err := p.Stdout.WaitMatch(timeout(t, 5*time.Second), regexp.MustCompile(`ready`))
		require.ErrorIs(t, err, ErrNoMatch)
		assert.Equal(t, "the program exited without printing it", err.Error())
	})
	t.Run("match just before exit", func(t *testing.T) {
		t.Parallel()
		p := start(t, "exit", "1", "", "fatal: no port\n")
		_, err := p.Wait(timeout(t, 5*time.Second))
		require.NoError(t, err)
		// Printed, then closed: still a match.
		err = p.Stderr.WaitMatch(timeout(t, 5*time.Second), regexp.MustCompile(`(?m)^fatal: no port$`))
		require.NoError(t, err)
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		p := start(t, "sleep")
		err := p.Stdout.WaitMatch(timeout(t, 200*time.Millisecond), regexp.MustCompile(`never`))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, "still running", p.Status())
	})
}

func TestWaitDeadlineThenKill(t *testing.T) {
	t.Parallel()
	p := start(t, "stubborn")
	waitPrinted(t, p, "^ready$")
	require.NoError(t, p.Signal(syscall.SIGINT))
	require.NoError(t, p.Signal(syscall.SIGTERM))

	_, err := p.Wait(timeout(t, 300*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded, "it ignores SIGINT and SIGTERM")
	assert.False(t, p.Exited())
	assert.Equal(t, "still running", p.Status())

	kill(t, p)
	assert.True(t, p.Exited(), "Kill returns once the program is reaped")
	assert.Equal(t, "did not exit by itself: killed at the end of the scenario", p.Status())
	got, err := p.Wait(timeout(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, -1, got)
	requireDead(t, p.PID())
}

func TestKillKillsGrandchild(t *testing.T) {
	t.Parallel()
	p := start(t, "fork")
	gc := grandchild(t, p)
	waitPrinted(t, p, "^ready$") // the grandchild ignores SIGINT and SIGTERM now
	require.NoError(t, syscall.Kill(gc, 0), "the grandchild is running")

	kill(t, p)
	assert.Equal(t, "did not exit by itself: killed at the end of the scenario", p.Status())
	requireDead(t, gc)
}

// The group outlives its leader: a grandchild holding the output open is
// killed by Kill after the program itself exited.
func TestKillGrandchildAfterLeaderExited(t *testing.T) {
	t.Parallel()
	p := start(t, "fork-exit")
	gc := grandchild(t, p)

	got, err := p.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err, "Wait returns although the grandchild holds stdout")
	assert.Equal(t, 0, got)
	assert.Equal(t, "exited with status 0", p.Status())
	require.False(t, dead(gc), "the grandchild outlived the program")

	kill(t, p)
	requireDead(t, gc)
	assert.Equal(t, "exited with status 0", p.Status(), "it exited by itself before Kill")
}

// A program that exited by itself, while a child it forked still holds its
// output, must not be reported as killed when the scenario ends.
func TestStatusAfterExitWhileChildHoldsOutput(t *testing.T) {
	t.Parallel()
	p := start(t, "fork-exit")
	gc := grandchild(t, p)
	// The program exits at once: its PID is gone, while the grandchild
	// lives on in its process group, holding its stdout.
	requireDead(t, p.PID())
	require.False(t, dead(gc))

	kill(t, p) // the end of the scenario, within pipeGrace of the exit
	requireDead(t, gc)
	got, err := p.Wait(timeout(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, 0, got, "it exited with status 0 by itself")
	assert.Equal(t, "exited with status 0", p.Status(),
		"the program exited by itself before Kill; only its grandchild was killed")
}

func TestKilledBySignal(t *testing.T) {
	t.Parallel()
	t.Run("itself", func(t *testing.T) {
		t.Parallel()
		p := start(t, "suicide")
		got, err := p.Wait(timeout(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, -1, got)
		assert.Equal(t, "was killed by signal 9 (killed)", p.Status())
	})
	t.Run("Signal", func(t *testing.T) {
		t.Parallel()
		p := start(t, "sleep")
		waitPrinted(t, p, "^ready$")
		// SIGTERM: a shell without job control starts background jobs
		// with SIGINT ignored, and the child would inherit that.
		require.NoError(t, p.Signal(syscall.SIGTERM))
		got, err := p.Wait(timeout(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, -1, got)
		assert.Equal(t, "was killed by signal 15 (terminated)", p.Status())

		err = p.Signal(syscall.SIGTERM)
		require.Error(t, err)
		assert.Equal(t, "sleep has already exited", err.Error())
	})
}

func TestDescribeStatus(t *testing.T) {
	t.Parallel()
	p := start(t, "exit", "7", "", "")
	_, err := p.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "exited with status 7", describe(p.cmd.ProcessState))
}

func TestOutputCapOnProcess(t *testing.T) {
	t.Parallel()
	const extra = 12345
	p := start(t, "flood", strconv.Itoa(OutputCap+extra))
	got, err := p.Wait(timeout(t, 10*time.Second))
	require.NoError(t, err)
	assert.Equal(t, 0, got)
	out := p.Stdout.String()
	assert.Len(t, out, OutputCap)
	assert.Equal(t, int64(extra), p.Stdout.Dropped())
	assert.True(t, bytes.Count([]byte(out), []byte("x")) == OutputCap, "only what the program wrote")
	assert.Zero(t, p.Stderr.Dropped())
}

func TestWaitAfterKillDoesNotBlock(t *testing.T) {
	t.Parallel()
	p := start(t, "sleep")
	kill(t, p)
	kill(t, p) // twice is harmless
	_, err := p.Wait(timeout(t, time.Second))
	require.NoError(t, err)
	assert.Equal(t, "did not exit by itself: killed at the end of the scenario", p.Status())
	assert.True(t, errors.Is(p.Input(timeout(t, time.Second), []byte("x")), os.ErrClosed))
}

// A program the scenario itself killed is not reported as killed at the
// end of the scenario.
func TestStatusAfterScenarioKill(t *testing.T) {
	t.Parallel()
	p := start(t, "sleep")
	require.NoError(t, p.Signal(syscall.SIGKILL))
	_, err := p.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err)
	kill(t, p) // the end of the scenario
	assert.Equal(t, "was killed by signal 9 (killed)", p.Status())
}

// TestLimits checks every program runs under the limits, soft and hard.
func TestLimits(t *testing.T) {
	t.Parallel()
	p := start(t, "limits")
	_, err := p.Wait(timeout(t, 5*time.Second))
	require.NoError(t, err)
	out := p.Stdout.String()
	for name, want := range map[string]uint64{"data": DataSize, "nofile": OpenFiles, "fsize": FileSize, "core": 0} {
		assert.Contains(t, out, fmt.Sprintf("%s %d %d\n", name, want, want))
	}
	if runtime.GOOS == "linux" {
		assert.Regexp(t, `(?m)^nproc ([1-9][0-9]+) ([1-9][0-9]+)$`, out)
	}
}

// TestMemoryHogDies: a program that allocates without end dies at the
// data limit, well before the time limit.
func TestMemoryHogDies(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RLIMIT_DATA is enforced on Linux")
	}
	t.Parallel()
	p := start(t, "hog")
	got, err := p.Wait(timeout(t, 20*time.Second))
	require.NoError(t, err, "the hog is still running")
	assert.NotEqual(t, 0, got)
	assert.Contains(t, p.Stderr.String(), "out of memory")
}
