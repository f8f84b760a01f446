package invoke_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/zapis/zapis/infra/local/invoke"
	"github.com/zapis/zapis/infra/template"
)

const ruleARN = "arn:aws:events:us-east-1:000000000000:rule/zapis-Remind24hSchedule"

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want time.Duration
		err  string // in the error; "" for none
	}{
		{"rate(1 minute)", time.Minute, ""},
		{"rate(5 minutes)", 5 * time.Minute, ""},
		{"rate(1 hour)", time.Hour, ""},
		{"rate(12 hours)", 12 * time.Hour, ""},
		{"rate(1 day)", 24 * time.Hour, ""},
		{"rate(7 days)", 7 * 24 * time.Hour, ""},
		{" rate(10 minutes) ", 10 * time.Minute, ""},
		{"rate(1 minutes)", 0, "singular"},
		{"rate(5 minute)", 0, "plural"},
		{"rate(0 minutes)", 0, "positive integer"},
		{"rate(-5 minutes)", 0, "positive integer"},
		{"rate(+5 minutes)", 0, "positive integer"},
		{"rate(1.5 hours)", 0, "positive integer"},
		{"rate(99999999999999999999 days)", 0, "positive integer"},
		{"rate(999999999 days)", 0, "too long"},
		{"rate(30 seconds)", 0, "unit"},
		{"rate(5 weeks)", 0, "unit"},
		{"rate(5)", 0, "want rate("},
		{"rate(5 minutes", 0, "want rate("},
		{"rate()", 0, "want rate("},
		{"rate(5 minutes extra)", 0, "want rate("},
		{"5 minutes", 0, "want rate("},
		{"", 0, "want rate("},
		{"cron(0 12 * * ? *)", 0, "cron expressions are not supported"},
		{"at(2026-01-01T00:00:00)", 0, "want rate("},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := invoke.ParseRate(tc.expr)
			switch {
			case tc.err == "" && (err != nil || got != tc.want):
				t.Fatalf("ParseRate = %v, %v; want %v", got, err, tc.want)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("ParseRate = %v, %v; want an error about %q", got, err, tc.err)
			}
		})
	}
}

// TestParseRateTemplate: every schedule of template.yaml parses.
func TestParseRateTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := template.Load("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range tpl.Functions() {
		for _, s := range fn.Schedules {
			if _, err := invoke.ParseRate(s.Expression); err != nil {
				t.Errorf("%s %s: %v", fn.LogicalID, s.Name, err)
			}
		}
	}
}

func TestSchedulerRun(t *testing.T) {
	t.Parallel()
	s := invoke.NewScheduler(nil, nil)
	var (
		got events.EventBridgeEvent
		lc  *lambdacontext.LambdaContext
	)
	ok := func(ctx context.Context, ev events.EventBridgeEvent) (any, error) {
		got = ev
		lc, _ = lambdacontext.FromContext(ctx)
		return map[string]int{"reminded": 2}, nil
	}
	for _, name := range []string{"remind-24h", "expire-pending", "remind-1h"} {
		if err := s.Add(name, 5*time.Minute, ruleARN, ok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add("boom", time.Minute, ruleARN, func(context.Context, events.EventBridgeEvent) (any, error) { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if names := s.Names(); !slices.Equal(names, []string{"boom", "expire-pending", "remind-1h", "remind-24h"}) {
		t.Fatalf("Names = %v", names)
	}

	addErrors := []struct {
		name, arn string
		every     time.Duration
		h         invoke.ScheduledHandler
		err       string
	}{
		{"remind-24h", ruleARN, time.Minute, ok, "added twice"},
		{"", ruleARN, time.Minute, ok, "name is empty"},
		{"x", ruleARN, 0, ok, "not positive"},
		{"x", ruleARN, time.Minute, nil, "nil handler"},
		{"x", "", time.Minute, ok, "not an EventBridge rule ARN"},
		{"x", "arn:aws:sqs:us-east-1:000000000000:q", time.Minute, ok, "not an EventBridge rule ARN"},
	}
	for _, tc := range addErrors {
		if err := s.Add(tc.name, tc.every, tc.arn, tc.h); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Add(%q, %v, %q) = %v, want %q", tc.name, tc.every, tc.arn, err, tc.err)
		}
	}

	at := time.Date(2026, 3, 14, 12, 30, 45, 987654321, time.FixedZone("MSK", 3*3600))
	res, err := s.Run(context.Background(), "remind-24h", at)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := res.(map[string]int); m["reminded"] != 2 {
		t.Fatalf("result %v", res)
	}
	want := time.Date(2026, 3, 14, 9, 30, 45, 0, time.UTC)
	checks := []struct{ field, got, want string }{
		{"version", got.Version, "0"},
		{"detail-type", got.DetailType, "Scheduled Event"},
		{"source", got.Source, "aws.events"},
		{"account", got.AccountID, "000000000000"},
		{"region", got.Region, "us-east-1"},
		{"time", got.Time.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano)},
		{"time zone", got.Time.Location().String(), "UTC"},
		{"resources", strings.Join(got.Resources, ","), ruleARN},
		{"detail", string(got.Detail), "{}"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if len(got.ID) != 36 {
		t.Errorf("id %q", got.ID)
	}
	if lc == nil || len(lc.AwsRequestID) != 36 {
		t.Errorf("LambdaContext %+v", lc)
	}
	firstID := got.ID
	if _, err := s.Run(context.Background(), "remind-24h", at); err != nil || got.ID == firstID {
		t.Errorf("second run: id %q again, %v", got.ID, err)
	}

	if _, err := s.Run(context.Background(), "remind-2h", at); !errors.Is(err, invoke.ErrUnknownSchedule) || !strings.Contains(err.Error(), "remind-2h") {
		t.Errorf("unknown schedule: %v", err)
	}
	if _, err := s.Run(context.Background(), "boom", at); !errors.Is(err, invoke.ErrHandlerPanic) {
		t.Errorf("panicking handler: %v", err)
	}
	// The scheduler survives the panic.
	if _, err := s.Run(context.Background(), "remind-1h", at); err != nil {
		t.Errorf("after a panic: %v", err)
	}
}

// TestSchedulerTicks: schedules tick on their own periods with now() as the
// event time, a slow run makes the next ticks skip instead of overlapping,
// and Close stops everything.
func TestSchedulerTicks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	log, logs := newLog()
	s := invoke.NewScheduler(log, func() time.Time { return now })

	var (
		mu               sync.Mutex
		slowCalls        int
		inFlight, maxFly atomic.Int32
		fastCalls        atomic.Int32
		badTime          atomic.Value
	)
	slow := func(ctx context.Context, ev events.EventBridgeEvent) (any, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxFly.Load()
			if n <= m || maxFly.CompareAndSwap(m, n) {
				break
			}
		}
		if !ev.Time.Equal(now) {
			badTime.Store(ev.Time)
		}
		mu.Lock()
		slowCalls++
		mu.Unlock()
		select { // longer than several periods
		case <-time.After(120 * time.Millisecond):
		case <-ctx.Done():
		}
		return nil, nil
	}
	fast := func(context.Context, events.EventBridgeEvent) (any, error) {
		fastCalls.Add(1)
		return nil, errors.New("fails every time")
	}
	if err := s.Add("slow", 20*time.Millisecond, ruleARN, slow); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.Start(ctx)
	s.Start(ctx) // already running: nothing to do
	// Added while running: ticks at once.
	if err := s.Add("fast", 20*time.Millisecond, ruleARN, fast); err != nil {
		t.Fatal(err)
	}

	// Run waits for the tick's run in flight: still no overlap.
	time.Sleep(50 * time.Millisecond)
	if _, err := s.Run(ctx, "slow", now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	s.Close()
	s.Close()

	mu.Lock()
	calls := slowCalls
	mu.Unlock()
	if calls < 2 {
		t.Errorf("slow ran %d times", calls)
	}
	if m := maxFly.Load(); m != 1 {
		t.Errorf("%d runs of one schedule at once", m)
	}
	if v := badTime.Load(); v != nil {
		t.Errorf("event time %v, want now() = %v", v, now)
	}
	if n := fastCalls.Load(); n < 5 {
		t.Errorf("fast ran %d times in ~450ms at 20ms", n)
	}
	if !strings.Contains(logs.String(), "scheduled run skipped") || !strings.Contains(logs.String(), "fails every time") {
		t.Errorf("log lacks skips or failures:\n%s", logs)
	}

	// Stopped: no more runs.
	before := fastCalls.Load()
	time.Sleep(100 * time.Millisecond)
	if after := fastCalls.Load(); after != before {
		t.Errorf("ran %d times after Close", after-before)
	}

	// A closed scheduler starts again.
	s.Start(ctx)
	deadline := time.Now().Add(2 * time.Second)
	for fastCalls.Load() == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.Close()
	if fastCalls.Load() == before {
		t.Error("no run after a restart")
	}
}
