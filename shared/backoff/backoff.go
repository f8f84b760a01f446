// Package backoff waits between retries: full jitter under a ceiling that
// doubles with each attempt, so clients that collided spread out instead of
// colliding again in step.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Ceiling is the longest wait before retry number attempt (0-based):
// base·2^attempt, doubling at most maxShift times.
func Ceiling(base time.Duration, attempt, maxShift int) time.Duration {
	return base << min(max(attempt, 0), maxShift)
}

// Wait sleeps a random duration below Ceiling, or until ctx ends, in which
// case it returns ctx's error.
func Wait(ctx context.Context, base time.Duration, attempt, maxShift int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(Ceiling(base, attempt, maxShift)))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
