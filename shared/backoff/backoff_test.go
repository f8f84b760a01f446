package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	tests := []struct {
		attempt, maxShift int
		want              time.Duration
	}{
		{0, 4, 10 * time.Millisecond},
		{1, 4, 20 * time.Millisecond},
		{4, 4, 160 * time.Millisecond},
		{9, 4, 160 * time.Millisecond}, // capped
		{-1, 4, 10 * time.Millisecond},
		{6, 6, 640 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Ceiling(10*time.Millisecond, tt.attempt, tt.maxShift); got != tt.want {
			t.Errorf("Ceiling(10ms, %d, %d) = %v, want %v", tt.attempt, tt.maxShift, got, tt.want)
		}
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An hour's ceiling: only the cancelled context can end this wait.
	if err := Wait(ctx, time.Hour, 0, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestWaitReturns(t *testing.T) {
	if err := Wait(context.Background(), time.Millisecond, 0, 0); err != nil {
		t.Fatalf("Wait = %v", err)
	}
}
