package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestContextAttrsAreLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo)
	ctx := With(context.Background(), slog.String("requestId", "r-1"))
	ctx = With(ctx, slog.String("lambdaRequestId", "l-2"))
	log.InfoContext(ctx, "hello", "k", 1)
	log.DebugContext(ctx, "hidden")

	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("one JSON record expected, got %q: %v", buf.String(), err)
	}
	for k, want := range map[string]any{"msg": "hello", "requestId": "r-1", "lambdaRequestId": "l-2", "k": 1.0} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %v", k, rec[k], want)
		}
	}
}
