package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
)

// ScheduledHandler is a Lambda handler for EventBridge scheduled events.
type ScheduledHandler func(ctx context.Context, ev events.EventBridgeEvent) (any, error)

// ErrUnknownSchedule is returned (wrapped) by Run for a name never added.
var ErrUnknownSchedule = errors.New("invoke: unknown schedule")

// ParseRate parses an EventBridge rate expression, "rate(5 minutes)", into
// its period. As in EventBridge the value is a positive integer and the
// unit is singular for 1 and plural otherwise (minute, minutes, hour, hours,
// day, days). Cron expressions are not supported locally.
func ParseRate(expr string) (time.Duration, error) {
	e := strings.TrimSpace(expr)
	if strings.HasPrefix(e, "cron(") {
		return 0, fmt.Errorf("invoke: schedule %q: cron expressions are not supported locally, only rate(N minute|minutes|hour|hours|day|days)", expr)
	}
	inner, ok := strings.CutPrefix(e, "rate(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	f := strings.Fields(inner)
	if !ok || len(f) != 2 {
		return 0, fmt.Errorf("invoke: schedule %q: want rate(N minute|minutes|hour|hours|day|days)", expr)
	}
	if f[0] == "" || strings.TrimLeft(f[0], "0123456789") != "" {
		return 0, fmt.Errorf("invoke: schedule %q: the value %q is not a positive integer", expr, f[0])
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invoke: schedule %q: the value %q is not a positive integer", expr, f[0])
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit, plural := strings.CutSuffix(f[1], "s")
	d, known := units[unit]
	switch {
	case !known:
		return 0, fmt.Errorf("invoke: schedule %q: unit %q is not minute(s), hour(s) or day(s)", expr, f[1])
	case n == 1 && plural:
		return 0, fmt.Errorf("invoke: schedule %q: use the singular %q for a value of 1", expr, unit)
	case n > 1 && !plural:
		return 0, fmt.Errorf("invoke: schedule %q: use the plural %q for a value above 1", expr, unit+"s")
	case n > int64(1<<63-1)/int64(d):
		return 0, fmt.Errorf("invoke: schedule %q: period too long", expr)
	}
	return time.Duration(n) * d, nil
}

// Scheduler runs handlers on fixed periods, like EventBridge rate rules.
type Scheduler struct {
	log *slog.Logger
	now func() time.Time

	mu        sync.Mutex
	schedules map[string]*schedule
	ctx       context.Context // set by Start; nil when not running
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

type schedule struct {
	name            string
	every           time.Duration
	ruleARN         string
	region, account string
	h               ScheduledHandler
	busy            chan struct{} // holds a token while a run is in flight
}

// NewScheduler returns an empty Scheduler. now (time.Now when nil) gives
// the time of ticked runs.
func NewScheduler(log *slog.Logger, now func() time.Time) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	return &Scheduler{log: log, now: now, schedules: map[string]*schedule{}}
}

// Add registers h to run every period. ruleARN
// (arn:aws:events:<region>:<account>:rule/<name>) is the event's only
// resource, and gives its region and account. A schedule added to a running
// Scheduler starts ticking at once.
func (s *Scheduler) Add(name string, every time.Duration, ruleARN string, h ScheduledHandler) error {
	switch {
	case name == "":
		return errors.New("invoke: schedule name is empty")
	case every <= 0:
		return fmt.Errorf("invoke: schedule %s: period %v is not positive", name, every)
	case h == nil:
		return fmt.Errorf("invoke: schedule %s: nil handler", name)
	}
	// arn:aws:events:us-east-1:000000000000:rule/zapis-Remind24h
	parts := strings.SplitN(ruleARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "events" || parts[3] == "" || parts[4] == "" || !strings.HasPrefix(parts[5], "rule/") {
		return fmt.Errorf("invoke: schedule %s: %q is not an EventBridge rule ARN (arn:aws:events:<region>:<account>:rule/<name>)", name, ruleARN)
	}
	sc := &schedule{
		name: name, every: every, ruleARN: ruleARN, region: parts[3], account: parts[4],
		h: h, busy: make(chan struct{}, 1),
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.schedules[name]; dup {
		return fmt.Errorf("invoke: schedule %s added twice", name)
	}
	s.schedules[name] = sc
	if s.ctx != nil {
		s.tick(s.ctx, sc)
	}
	return nil
}

// Names returns the schedules' names, sorted.
func (s *Scheduler) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.schedules))
	for n := range s.schedules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Run invokes the schedule's handler now with the Scheduled Event
// EventBridge would send at time at, and returns the handler's result. It
// waits for a run of the same schedule in flight (runs never overlap) or
// for ctx. A panic in the handler is recovered and returned as an error.
func (s *Scheduler) Run(ctx context.Context, name string, at time.Time) (any, error) {
	s.mu.Lock()
	sc, ok := s.schedules[name]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownSchedule, name)
	}
	select {
	case sc.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-sc.busy }()
	return s.invoke(ctx, sc, at)
}

// scheduledEvent returns the Scheduled Event EventBridge sends for a rule at
// a time.
func scheduledEvent(sc *schedule, at time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  sc.account,
		Time:       at.UTC().Truncate(time.Second),
		Region:     sc.region,
		Resources:  []string{sc.ruleARN},
		Detail:     json.RawMessage(`{}`),
	}
}

// invoke calls the handler; the caller holds sc.busy.
func (s *Scheduler) invoke(ctx context.Context, sc *schedule, at time.Time) (res any, err error) {
	ev := scheduledEvent(sc, at)
	requestID := uuid.NewString()
	log := s.log.With("schedule", sc.name, "request_id", requestID, "time", ev.Time.Format(time.RFC3339))
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			log.Error("scheduled handler panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			res, err = nil, fmt.Errorf("%w: %v", ErrHandlerPanic, v)
		}
		if err != nil {
			log.Warn("scheduled run failed", "duration", time.Since(start).Round(time.Millisecond), "error", err)
		} else {
			log.Info("scheduled run", "duration", time.Since(start).Round(time.Millisecond))
		}
	}()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
	return sc.h(ctx, ev)
}

// Start ticks every schedule on its period, with the event time now(),
// until ctx ends or Close. A tick that finds the schedule's previous run
// still going is skipped (and logged). Starting a started Scheduler does
// nothing; after Close it can be started again.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx != nil {
		return
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	for _, sc := range s.schedules {
		s.tick(s.ctx, sc)
	}
}

// tick starts sc's ticker goroutine; s.mu is held.
func (s *Scheduler) tick(ctx context.Context, sc *schedule) {
	s.wg.Go(func() {
		t := time.NewTicker(sc.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			select {
			case sc.busy <- struct{}{}:
			default:
				s.log.Warn("scheduled run skipped: the previous run is still going", "schedule", sc.name)
				continue
			}
			at := s.now()
			s.wg.Go(func() {
				defer func() { <-sc.busy }()
				_, _ = s.invoke(ctx, sc, at) // logged by invoke
			})
		}
	})
}

// Close stops the ticks and waits for runs in flight, whose context it
// cancels. A closed Scheduler can be started again.
func (s *Scheduler) Close() {
	s.mu.Lock()
	cancel := s.cancel
	s.ctx, s.cancel = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	s.wg.Wait()
}
