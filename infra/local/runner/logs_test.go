package runner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
)

// syncBuffer is a log sink shared by concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryNoPersonalData runs a citizen's whole journey through a
// runner whose JSON logs (debug level) are captured: profile, a bad
// profile, booking, confirmation, notifications and a reminder. The logs
// must carry request ids and never the SNILS, passport, phone or e-mail.
func TestLogsCarryNoPersonalData(t *testing.T) {
	var logs syncBuffer
	rn, err := Start(context.Background(), Config{
		Addr: "127.0.0.1:0", TemplatePath: "../../../template.yaml", EndpointURL: stacks[0].rn.Endpoint(),
		NoWorkers: true, Log: logging.New(&logs, slog.LevelDebug),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rn.Close()
	s := stack{name: "logged", rn: rn}

	n := int(fixtureSeq.Add(1))
	body := profileBody(n)
	c := citizen{sub: fmt.Sprintf("citizen-logs-%d", n), name: fullNameOf(n)}
	c.tok = token(t, s, c.sub, "", "citizen")
	call(t, s, http.MethodPut, "/me/profile", c.tok, body).ok(t, http.StatusOK)
	bad := profileBody(n)
	bad["snils"] = "112-233-445 96" // wrong checksum: the error names the field, not the value
	call(t, s, http.MethodPut, "/me/profile", c.tok, bad).problem(t, http.StatusBadRequest, "validation_failed")

	d := docDesk(t, s, "Europe/Moscow")
	b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
	confirm := sqsEvent(fmt.Sprintf(`{"bookingId":%q}`, b.ID), 1)
	if r, err := rn.Worker().Confirm(context.Background(), confirm); err != nil || len(r.BatchItemFailures) > 0 {
		t.Fatalf("confirm: %v %v", err, r.BatchItemFailures)
	}
	if _, err := rn.Worker().Remind24h(context.Background(), events.EventBridgeEvent{Time: b.Slot.Start.Add(-24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := getBookingAll(t, s, b.ID); got.Status != domain.StatusConfirmed {
		t.Fatalf("booking %s", got.Status)
	}

	text := logs.String()
	passport := body["passport"].(map[string]any)
	secrets := map[string]string{
		"SNILS":           strings.NewReplacer("-", "", " ", "").Replace(snilsFor(n)),
		"SNILS formatted": snilsFor(n),
		"bad SNILS":       "112-233-445 96",
		"INN":             "500100732259",
		"passport number": passport["number"].(string),
		"phone":           "9123456789",
		"phone E.164":     "+79123456789",
		"e-mail":          "citizen@example.ru",
	}
	for what, v := range secrets {
		if strings.Contains(text, v) {
			t.Errorf("logs carry the %s %q", what, v)
		}
	}
	for _, want := range []string{`"requestId"`, `"operation":"PutProfile"`, `"operation":"Confirmation"`, `"bookingId"`} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	if !strings.Contains(text, `"notification published"`) || len(text) < 1000 {
		t.Fatalf("captured too little to judge (%d bytes)", len(text))
	}
}
