package proc

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutputCap(t *testing.T) {
	t.Parallel()
	o := NewOutput(10)
	n, err := o.Write([]byte("0123456"))
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	n, err = o.Write([]byte("789abc"))
	require.NoError(t, err)
	assert.Equal(t, 6, n, "Write reports every byte written, kept or not")
	n, err = o.Write([]byte("def"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, "0123456789", o.String())
	assert.Equal(t, int64(6), o.Dropped())
}

func TestOutputWaitMatchWokenByWrite(t *testing.T) {
	t.Parallel()
	o := NewOutput(1 << 10)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- o.WaitMatch(ctx, regexp.MustCompile(`(?m)^listening on \d+$`)) }()

	o.Write([]byte("starting\nlistening on "))
	o.Write([]byte("80"))
	o.Write([]byte("80\n"))
	select {
	case err := <-result:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("WaitMatch did not see the match")
	}
}

func TestOutputWaitMatchClosed(t *testing.T) {
	t.Parallel()
	o := NewOutput(1 << 10)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- o.WaitMatch(ctx, regexp.MustCompile(`ready`)) }()
	o.Write([]byte("not yet\n"))
	o.Close()
	select {
	case err := <-result:
		require.ErrorIs(t, err, ErrNoMatch)
	case <-ctx.Done():
		t.Fatal("WaitMatch did not return at Close")
	}
}

func TestOutputWaitMatchDeadline(t *testing.T) {
	t.Parallel()
	o := NewOutput(1 << 10)
	o.Write([]byte("something"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := o.WaitMatch(ctx, regexp.MustCompile(`other`))
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// Past the cap, nothing new can match: WaitMatch says so at once rather
// than wait for the deadline, and still finds what was kept.
func TestOutputWaitMatchPastCap(t *testing.T) {
	t.Parallel()
	o := NewOutput(4)
	o.Write([]byte("abcdef"))
	assert.Equal(t, int64(2), o.Dropped())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.ErrorIs(t, o.WaitMatch(ctx, regexp.MustCompile(`ef`)), ErrFull)
	require.NoError(t, ctx.Err(), "without waiting for the deadline")
	require.NoError(t, o.WaitMatch(ctx, regexp.MustCompile(`^abcd$`)))
}

func TestOutputConcurrentWrites(t *testing.T) {
	t.Parallel()
	const writers, each = 8, 100
	o := NewOutput(writers * each / 2)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				o.Write([]byte("x"))
				_ = o.String()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, strings.Repeat("x", writers*each/2), o.String())
	assert.Equal(t, int64(writers*each/2), o.Dropped())
}
