package deps

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/zapis/zapis/shared/config"
)

// TestNewBuildsOnlyWhatIsConfigured checks that each function gets the
// clients its configuration names and no others, and that the init line
// says so. New does no network I/O: the endpoint is a closed port.
func TestNewBuildsOnlyWhatIsConfigured(t *testing.T) {
	base := config.API{Base: config.Base{EndpointURL: "http://127.0.0.1:1", LogLevel: slog.LevelInfo}, TableName: "Zapis"}
	key := []byte(strings.Repeat("k", config.MinTicketKeyLen))
	tests := []struct {
		name  string
		cfg   func(c *config.API)
		built []string
	}{
		{"table only", func(*config.API) {}, []string{"sdk config", "dynamodb client"}},
		{"upload", func(c *config.API) { c.DocumentsBucket = "docs" }, []string{"sdk config", "dynamodb client", "s3 client"}},
		{"submit", func(c *config.API) { c.DocumentCheckQueueURL = "http://q/checks" }, []string{"sdk config", "dynamodb client", "sqs client"}},
		{"confirmation worker", func(c *config.API) {
			c.DocumentsBucket, c.TicketKey, c.NotificationsTopicARN = "docs", key, "arn:aws:sns:us-east-1:000000000000:n"
		}, []string{"sdk config", "dynamodb client", "s3 client", "ticket signer", "sns client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			swapLog(t, &out)
			cfg := base
			tt.cfg(&cfg)
			d, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if d.Store == nil || d.Log == nil {
				t.Fatal("store or logger missing")
			}
			if got, want := d.Objects.Name != "", cfg.DocumentsBucket != ""; got != want {
				t.Errorf("bucket built %v, want %v", got, want)
			}
			if got, want := d.Notifier != nil, cfg.NotificationsTopicARN != ""; got != want {
				t.Errorf("notifier built %v, want %v", got, want)
			}
			var rec struct {
				Msg    string
				Built  []string
				InitMs *float64
			}
			if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
				t.Fatalf("init line %q: %v", out.String(), err)
			}
			if rec.Msg != "init" || !slices.Equal(rec.Built, tt.built) || rec.InitMs == nil || *rec.InitMs < 0 {
				t.Errorf("init line %s, want msg init, built %v and initMs", out.String(), tt.built)
			}
		})
	}
}

func TestNewRejectsShortTicketKey(t *testing.T) {
	swapLog(t, &bytes.Buffer{})
	_, err := New(t.Context(), config.API{TableName: "Zapis", TicketKey: []byte("short")})
	if err == nil {
		t.Fatal("a 5-byte ticket key was accepted")
	}
}

// swapLog sends New's logs to w for the test.
func swapLog(t *testing.T, w io.Writer) {
	prev := logOutput
	logOutput = w
	t.Cleanup(func() { logOutput = prev })
}
