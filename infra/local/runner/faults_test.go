package runner

// Fault injection at the AWS SDK boundary. Each test starts a runner of its
// own on the endpoint of the shared embedded stack (the embedded edge is one
// per process: this reuses its emulators, and provisioning finds the table,
// queues, topic and bucket already there). Every client of that runner
// carries a middleware that fails chosen DynamoDB or SQS calls, switched at
// run time, while the shared stack's clients stay healthy: the tests read
// the table through them and its pollers process what gets queued.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// ---------------------------------------------------------------- injector

// fault fails SDK calls of some operations whose input matches. It acts per
// attempt, below the SDK's retry loop, so the retryer sees every failure and
// decides on its own whether to try again.
type fault struct {
	service string                 // SDK service id: "DynamoDB", "SQS"
	ops     []string               // operation names: "TransactWriteItems"…
	match   func(params any) bool  // nil: every call of ops
	times   int64                  // attempts to fail; 0: every attempt (persistent)
	err     func(params any) error // the error an attempt gets
	// onFail, when set, runs before attempt n (1-based) fails: what a
	// concurrent writer did meanwhile.
	onFail func(n int64)

	off    atomic.Bool  // switched off: matching calls go through
	left   atomic.Int64 // failures still to inject when times > 0
	seen   atomic.Int64 // matching attempts
	failed atomic.Int64 // of which failed here
}

// stop lets matching calls through from now on; they are still counted.
func (f *fault) stop() { f.off.Store(true) }

func (f *fault) applies(service, op string, params any) bool {
	return service == f.service && slices.Contains(f.ops, op) && (f.match == nil || f.match(params))
}

// take reports whether this attempt fails.
func (f *fault) take() bool {
	if f.off.Load() {
		return false
	}
	if f.times == 0 {
		return true
	}
	for {
		n := f.left.Load()
		if n <= 0 {
			return false
		}
		if f.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// injector holds the faults armed on one runner's clients. The set is
// swapped atomically: faults are armed and cleared while requests run.
type injector struct {
	faults atomic.Pointer[[]*fault]
}

func (in *injector) arm(f *fault) *fault {
	f.left.Store(f.times)
	for {
		old := in.faults.Load()
		var next []*fault
		if old != nil {
			next = slices.Clone(*old)
		}
		next = append(next, f)
		if in.faults.CompareAndSwap(old, &next) {
			return f
		}
	}
}

func (in *injector) clear() { in.faults.Store(nil) }

type faultParamsKey struct{}

// install adds the injector to a client's middleware stack: the operation
// input is noted at Initialize (the only step that sees it), and the fault is
// decided at the end of Finalize, inside the retry loop, once per attempt.
func (in *injector) install(st *middleware.Stack) error {
	err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("faultParams", func(ctx context.Context, inp middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		return next.HandleInitialize(middleware.WithStackValue(ctx, faultParamsKey{}, inp.Parameters), inp)
	}), middleware.Before)
	if err != nil {
		return err
	}
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("faultInject", func(ctx context.Context, inp middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		if faults := in.faults.Load(); faults != nil {
			service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			params := middleware.GetStackValue(ctx, faultParamsKey{})
			for _, f := range *faults {
				if !f.applies(service, op, params) {
					continue
				}
				n := f.seen.Add(1)
				if f.take() {
					f.failed.Add(1)
					if f.onFail != nil {
						f.onFail(n)
					}
					return middleware.FinalizeOutput{}, middleware.Metadata{}, f.err(params)
				}
			}
		}
		return next.HandleFinalize(ctx, inp)
	}), middleware.After)
}

// mentions reports whether an SDK input holds s anywhere (a message body,
// a key prefix).
func mentions(params any, s string) bool {
	b, err := json.Marshal(params)
	return err == nil && bytes.Contains(b, []byte(s))
}

// holdsValue reports whether an SDK input holds exactly the string value v
// (a key, an attribute): "CIT#citizen-1" does not match "CIT#citizen-12".
func holdsValue(params any, v string) bool {
	q, _ := json.Marshal(v)
	return mentions(params, string(q))
}

// The errors DynamoDB and SQS answer with, as the SDK decodes them.
func throughputExceeded(any) error {
	return &types.ProvisionedThroughputExceededException{Message: aws.String("injected: The level of configured provisioned throughput for the table was exceeded.")}
}

// connectionReset is a request that never got an answer.
func connectionReset(any) error {
	return &smithyhttp.RequestSendError{Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
}

func throttled(any) error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected: Rate of requests exceeds the allowed throughput.", Fault: smithy.FaultClient}
}

// conflicted cancels a transaction with TransactionConflict on every item.
func conflicted(params any) error {
	n := 1
	if in, ok := params.(*dynamodb.TransactWriteItemsInput); ok {
		n = len(in.TransactItems)
	}
	reasons := make([]types.CancellationReason, n)
	codes := make([]string, n)
	for i := range reasons {
		reasons[i] = types.CancellationReason{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")}
		codes[i] = "TransactionConflict"
	}
	return &types.TransactionCanceledException{
		Message:             aws.String("injected: Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"),
		CancellationReasons: reasons,
	}
}

// ---------------------------------------------------------------- stack

// faultStack is a runner whose AWS clients go through inj, and the shared
// embedded stack on the same endpoint, untouched by inj, to look at the
// table with.
type faultStack struct {
	stack
	inj   *injector
	plain stack
}

// fastRetryer is the SDK's retryer in these tests: the standard one
// (its retryable and throttle classification, 3 attempts) with millisecond
// delays instead of up to 2 s and 4 s, and no retry quota, so that a run
// of persistent faults neither takes long nor drains a quota other
// requests of the runner depend on.
func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		o.RateLimiter = ratelimit.None
	})
}

func startFaultStack(t *testing.T) faultStack {
	t.Helper()
	var shared stack
	for _, s := range stacks {
		if s.name == "embedded" {
			shared = s
		}
	}
	if shared.rn == nil {
		t.Fatal("the shared embedded stack is not running")
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("ZAPIS_TEST_LOGS") != "" {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	inj := &injector{}
	rn, err := Start(context.Background(), Config{
		Addr: "127.0.0.1:0", TemplatePath: "../../../template.yaml", EndpointURL: shared.rn.Endpoint(),
		NoWorkers: true, Log: log,
		AWS: func(c *aws.Config) {
			c.APIOptions = append(c.APIOptions, inj.install)
			c.Retryer = fastRetryer
		},
	})
	if err != nil {
		t.Fatalf("start a runner on %s: %v", shared.rn.Endpoint(), err)
	}
	t.Cleanup(rn.Close)
	if rn.Resources().TableNames["DataTable"] != shared.rn.App().Store.Table() ||
		rn.Resources().QueueURLs["DocumentCheckQueue"] != shared.rn.Resources().QueueURLs["DocumentCheckQueue"] {
		t.Fatalf("the fault runner provisioned other resources: %+v", rn.Resources())
	}
	return faultStack{stack: stack{name: "faults", rn: rn}, inj: inj, plain: shared}
}

// unavailable checks a 503 service_unavailable with Retry-After and nothing
// of the failure's internals in the body.
func unavailable(t *testing.T, r response) {
	t.Helper()
	p := r.problem(t, http.StatusServiceUnavailable, "service_unavailable")
	ra := r.header.Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n <= 0 {
		t.Fatalf("Retry-After %q on %s", ra, r.body)
	}
	for _, leak := range []string{"injected", "Exception", "exceeded", "Transaction", "DynamoDB", "dynamodb", "SQS", "sqs", "operation error", "api error", "attempts", "goroutine", ".go:", "panic", "BOOKING#", "GUARD#", "SLOTS#", "CIT#"} {
		if bytes.Contains(r.body, []byte(leak)) {
			t.Fatalf("the 503 body leaks %q: %s", leak, r.body)
		}
	}
	if p.Detail != "" || len(p.Errors) != 0 {
		t.Fatalf("the 503 carries details: %+v", p)
	}
}

// noBooking checks that c holds nothing: no booking listed, no guard for
// the service.
func noBooking(t *testing.T, fs faultStack, c citizen, serviceID string) {
	t.Helper()
	if got := myBookings(t, fs.stack, c, ""); len(got) != 0 {
		t.Fatalf("the citizen holds %d bookings: %+v", len(got), got)
	}
	if guardExists(t, fs.plain, c, serviceID) {
		t.Fatal("a guard was left for the service")
	}
}

// oneBooking checks that c holds exactly one active booking, of slotID, and
// its guard.
func oneBooking(t *testing.T, fs faultStack, c citizen, slotID, serviceID string) domain.Booking {
	t.Helper()
	got := myBookings(t, fs.stack, c, "")
	if len(got) != 1 || got[0].Slot.ID != slotID || !got[0].Status.Active() {
		t.Fatalf("the citizen holds %+v, want one booking of %s", got, slotID)
	}
	if !guardExists(t, fs.plain, c, serviceID) {
		t.Fatal("no guard for the booking")
	}
	return got[0]
}

// ---------------------------------------------------------------- tests

// TestFaultThrottledBooking: POST /bookings while DynamoDB throttles the
// booking transaction or a read, on every attempt. The SDK retries (3
// attempts), then the client gets 503 with Retry-After and the table holds
// nothing of the request. Reads of other requests throttled the same way
// answer 503 too.
func TestFaultThrottledBooking(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := newDesk(t, fs.stack, "Europe/Moscow", 1)
	svc := d.svcs[0].ID
	slotKey := "SLOTS#" + d.inst.ID + "#" + svc

	cases := []struct {
		name string
		arm  func(c citizen) *fault
	}{
		{"TransactWriteItems ProvisionedThroughputExceeded", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: throughputExceeded,
				match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }}
		}},
		{"TransactWriteItems ThrottlingException", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: throttled,
				match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }}
		}},
		{"GetItem of the profile throttled (first read)", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"GetItem", "Query"}, err: throttled,
				match: func(p any) bool { return holdsValue(p, "CIT#"+c.sub) }}
		}},
		{"GetItem of the slot throttled (second read)", func(citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"GetItem", "Query"}, err: throttled,
				match: func(p any) bool { return holdsValue(p, slotKey) }}
		}},
		{"TransactWriteItems connection reset", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: connectionReset,
				match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }}
		}},
		{"GetItem of the slot throughput exceeded", func(citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"GetItem"}, err: throughputExceeded,
				match: func(p any) bool { return holdsValue(p, slotKey) }}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer fs.inj.clear()
			sl := freshSlot(t, fs.stack, d, 0, 3, nextStart())
			c := newCitizen(t, fs.stack)
			f := fs.inj.arm(tc.arm(c))
			unavailable(t, book(t, fs.stack, c, sl.ID))
			if n := f.seen.Load(); n != 3 || f.failed.Load() != 3 {
				t.Fatalf("%d attempts (%d failed), want the SDK's 3", n, f.failed.Load())
			}
			fs.inj.clear()
			if n := booked(t, fs.plain, sl.ID); n != 0 {
				t.Fatalf("slot booked %d after a failed booking", n)
			}
			noBooking(t, fs, c, svc)
			// Storage back, the same request succeeds.
			mustBook(t, fs.stack, c, sl.ID)
			oneBooking(t, fs, c, sl.ID, svc)
			if n := booked(t, fs.plain, sl.ID); n != 1 {
				t.Fatalf("slot booked %d, want 1", n)
			}
		})
	}

	t.Run("reads of the booking throttled", func(t *testing.T) {
		defer fs.inj.clear()
		c := newCitizen(t, fs.stack)
		b := mustBook(t, fs.stack, c, freshSlot(t, fs.stack, d, 0, 1, nextStart()).ID)
		f := fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"Query", "GetItem"}, err: throttled,
			match: func(p any) bool { return holdsValue(p, "CIT#"+c.sub) || holdsValue(p, "BOOKING#"+b.ID) }})
		for _, path := range []string{"/bookings", "/bookings/" + b.ID} {
			before := f.seen.Load()
			unavailable(t, call(t, fs.stack, http.MethodGet, path, c.tok, nil))
			if n := f.seen.Load() - before; n != 3 {
				t.Fatalf("GET %s: %d attempts, want 3", path, n)
			}
		}
		f.stop()
		if got := getBooking(t, fs.stack, c.tok, b.ID); got.ID != b.ID || got.Status != b.Status {
			t.Fatalf("after the fault %+v", got)
		}
	})
}

// TestFaultTransientBooking: faults on the first attempts only are absorbed
// by the SDK's retries: 201, one booking, one seat.
func TestFaultTransientBooking(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := newDesk(t, fs.stack, "Europe/Moscow", 1)
	svc := d.svcs[0].ID
	slotKey := "SLOTS#" + d.inst.ID + "#" + svc

	cases := []struct {
		name string
		arm  func(c citizen) *fault
	}{
		{"TransactWriteItems throughput exceeded once", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, times: 1, err: throughputExceeded,
				match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }}
		}},
		{"TransactWriteItems throttled twice", func(c citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, times: 2, err: throttled,
				match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }}
		}},
		{"GetItem of the slot throttled twice", func(citizen) *fault {
			return &fault{service: "DynamoDB", ops: []string{"GetItem"}, times: 2, err: throttled,
				match: func(p any) bool { return holdsValue(p, slotKey) }}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer fs.inj.clear()
			sl := freshSlot(t, fs.stack, d, 0, 2, nextStart())
			c := newCitizen(t, fs.stack)
			f := fs.inj.arm(tc.arm(c))
			b := mustBook(t, fs.stack, c, sl.ID)
			if f.failed.Load() != f.times || f.seen.Load() != f.times+1 {
				t.Fatalf("%d attempts, %d failed; want %d failures then success", f.seen.Load(), f.failed.Load(), f.times)
			}
			fs.inj.clear()
			if got := oneBooking(t, fs, c, sl.ID, svc); got.ID != b.ID {
				t.Fatalf("listed %s, created %s", got.ID, b.ID)
			}
			if n := booked(t, fs.plain, sl.ID); n != 1 {
				t.Fatalf("slot booked %d, want 1", n)
			}
			if got := getBookingAll(t, fs.plain, b.ID); len(got.History) != 1 || got.History[0].Action != domain.ActionCreated {
				t.Fatalf("history %+v", got.History)
			}
		})
	}
}

// TestFaultTransactionConflict: the booking transaction cancelled with
// TransactionConflict on every item. The SDK does not retry a cancelled
// transaction; the store does, with backoff, then answers 503 when the slot
// still has room and 409 slot_full when a concurrent booking took the last
// seat. Conflicts on the first attempts only end in 201.
func TestFaultTransactionConflict(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := newDesk(t, fs.stack, "Europe/Moscow", 1)
	svc := d.svcs[0].ID
	guardOf := func(c citizen) func(any) bool {
		return func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }
	}

	t.Run("persistent, seats free", func(t *testing.T) {
		defer fs.inj.clear()
		sl := freshSlot(t, fs.stack, d, 0, 2, nextStart())
		c := newCitizen(t, fs.stack)
		f := fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: conflicted, match: guardOf(c)})
		start := time.Now()
		unavailable(t, book(t, fs.stack, c, sl.ID))
		if n := f.seen.Load(); n < 3 {
			t.Fatalf("the store tried the transaction %d times", n)
		}
		t.Logf("the store tried %d times in %s before answering 503", f.seen.Load(), time.Since(start).Round(time.Millisecond))
		fs.inj.clear()
		if n := booked(t, fs.plain, sl.ID); n != 0 {
			t.Fatalf("slot booked %d", n)
		}
		noBooking(t, fs, c, svc)
	})

	t.Run("first two attempts", func(t *testing.T) {
		defer fs.inj.clear()
		sl := freshSlot(t, fs.stack, d, 0, 2, nextStart())
		c := newCitizen(t, fs.stack)
		f := fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, times: 2, err: conflicted, match: guardOf(c)})
		mustBook(t, fs.stack, c, sl.ID)
		if f.seen.Load() != 3 || f.failed.Load() != 2 {
			t.Fatalf("%d attempts, %d failed; want 3 and 2", f.seen.Load(), f.failed.Load())
		}
		fs.inj.clear()
		oneBooking(t, fs, c, sl.ID, svc)
		if n := booked(t, fs.plain, sl.ID); n != 1 {
			t.Fatalf("slot booked %d, want 1", n)
		}
	})

	t.Run("persistent, a concurrent booking takes the last seat", func(t *testing.T) {
		defer fs.inj.clear()
		sl := freshSlot(t, fs.stack, d, 0, 1, nextStart())
		winner, loser := newCitizen(t, fs.stack), newCitizen(t, fs.stack)
		ctx := context.Background()
		st := fs.plain.rn.App().Store
		service, err := st.GetService(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := st.GetInstitution(ctx, d.inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		wb, err := domain.NewBooking(store.NewBookingID(), domain.NewCode(), winner.sub, winner.name, service, inst, sl, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		won := make(chan error, 1)
		fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: conflicted, match: guardOf(loser),
			// The conflict is the winner's transaction: it commits while
			// the loser's first attempt is cancelled.
			onFail: func(n int64) {
				if n == 1 {
					won <- st.CreateBooking(ctx, wb, nil)
				}
			}})
		book(t, fs.stack, loser, sl.ID).problem(t, http.StatusConflict, "slot_full")
		fs.inj.clear()
		select {
		case err := <-won:
			if err != nil {
				t.Fatalf("the winner's booking: %v", err)
			}
		default:
			t.Fatal("the loser's transaction never reached DynamoDB")
		}
		if n := booked(t, fs.plain, sl.ID); n != 1 {
			t.Fatalf("slot booked %d, want the winner's 1", n)
		}
		noBooking(t, fs, loser, svc)
		if got := oneBooking(t, fs, winner, sl.ID, svc); got.ID != wb.ID {
			t.Fatalf("the winner holds %s, want %s", got.ID, wb.ID)
		}
	})
}

// TestFaultIdempotentRetry: POST /bookings with an Idempotency-Key under a
// persistent throttle answers 503 and gives the key back, so that the
// client's retry with the same key, once storage recovers, books (201), and
// a replay answers the same booking.
func TestFaultIdempotentRetry(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := newDesk(t, fs.stack, "Europe/Moscow", 1)
	svc := d.svcs[0].ID
	sl := freshSlot(t, fs.stack, d, 0, 2, nextStart())
	c := newCitizen(t, fs.stack)
	key := uniq("idem-fault")
	f := fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: throughputExceeded,
		match: func(p any) bool { return holdsValue(p, "GUARD#"+c.sub+"#"+svc) }})
	unavailable(t, book(t, fs.stack, c, sl.ID, "Idempotency-Key", key))
	if f.seen.Load() != 3 {
		t.Fatalf("%d attempts, want 3", f.seen.Load())
	}
	fs.inj.clear()
	if rawItem(t, fs.plain, "IDEM#"+c.sub+"#"+key, "IDEM") != nil {
		t.Fatal("the failed request kept its claim on the key")
	}
	noBooking(t, fs, c, svc)
	r := book(t, fs.stack, c, sl.ID, "Idempotency-Key", key)
	r.ok(t, http.StatusCreated)
	b := asBooking(t, r)
	replay := book(t, fs.stack, c, sl.ID, "Idempotency-Key", key)
	replay.ok(t, http.StatusCreated)
	if again := asBooking(t, replay); again.ID != b.ID {
		t.Fatalf("replay answered %s, booked %s", again.ID, b.ID)
	}
	oneBooking(t, fs, c, sl.ID, svc)
	if n := booked(t, fs.plain, sl.ID); n != 1 {
		t.Fatalf("slot booked %d, want 1", n)
	}
}

// TestFaultChangeBooking: cancel and reschedule while DynamoDB throttles the
// booking's transactions: 503 with Retry-After, and the booking, both
// slots' seats and the guard are as they were. Once storage recovers, the
// same requests (the reschedule with the same Idempotency-Key) go through.
func TestFaultChangeBooking(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := newDesk(t, fs.stack, "Europe/Moscow", 1)
	svc := d.svcs[0].ID
	from, to := freshSlot(t, fs.stack, d, 0, 2, nextStart()), freshSlot(t, fs.stack, d, 0, 2, nextStart())
	c := newCitizen(t, fs.stack)
	b := mustBook(t, fs.stack, c, from.ID)
	before := getBookingAll(t, fs.plain, b.ID)
	key := uniq("idem-move")

	f := fs.inj.arm(&fault{service: "DynamoDB", ops: []string{"TransactWriteItems"}, err: throughputExceeded,
		match: func(p any) bool { return holdsValue(p, "BOOKING#"+b.ID) }})
	requests := []struct {
		name    string
		path    string
		body    any
		headers []string
	}{
		{"cancel", "/bookings/" + b.ID + "/cancel", map[string]any{"reason": "Заболел"}, nil},
		{"reschedule", "/bookings/" + b.ID + "/reschedule", map[string]any{"slotId": to.ID}, nil},
		{"reschedule with a key", "/bookings/" + b.ID + "/reschedule", map[string]any{"slotId": to.ID}, []string{"Idempotency-Key", key}},
	}
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			seen := f.seen.Load()
			unavailable(t, call(t, fs.stack, http.MethodPost, rq.path, c.tok, rq.body, rq.headers...))
			if n := f.seen.Load() - seen; n != 3 {
				t.Fatalf("%d attempts, want the SDK's 3", n)
			}
			got := getBookingAll(t, fs.plain, b.ID)
			if got.Status != before.Status || got.Slot.ID != before.Slot.ID || !got.Slot.Start.Equal(before.Slot.Start) || got.Version != before.Version ||
				len(got.History) != len(before.History) || !got.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatalf("the booking changed: %+v, was %+v", got, before)
			}
			if nf, nt := booked(t, fs.plain, from.ID), booked(t, fs.plain, to.ID); nf != 1 || nt != 0 {
				t.Fatalf("seats: %d in the old slot, %d in the new, want 1 and 0", nf, nt)
			}
			if !guardExists(t, fs.plain, c, svc) {
				t.Fatal("the guard was released")
			}
		})
	}
	fs.inj.clear()
	if rawItem(t, fs.plain, "IDEM#"+c.sub+"#"+key, "IDEM") != nil {
		t.Fatal("the failed reschedule kept its claim on the key")
	}
	got := getBooking(t, fs.stack, c.tok, b.ID)
	if got.Slot.ID != from.ID || got.Status != domain.StatusPending {
		t.Fatalf("GET after the faults %+v", got)
	}

	r := call(t, fs.stack, http.MethodPost, "/bookings/"+b.ID+"/reschedule", c.tok, map[string]any{"slotId": to.ID}, "Idempotency-Key", key)
	r.ok(t, http.StatusOK)
	if moved := asBooking(t, r); moved.Slot.ID != to.ID {
		t.Fatalf("rescheduled to %s, want %s", moved.Slot.ID, to.ID)
	}
	if nf, nt := booked(t, fs.plain, from.ID), booked(t, fs.plain, to.ID); nf != 0 || nt != 1 {
		t.Fatalf("seats after the move: %d and %d, want 0 and 1", nf, nt)
	}
	r = call(t, fs.stack, http.MethodPost, "/bookings/"+b.ID+"/cancel", c.tok, nil)
	r.ok(t, http.StatusOK)
	if asBooking(t, r).Status != domain.StatusCancelled || booked(t, fs.plain, to.ID) != 0 || guardExists(t, fs.plain, c, svc) {
		t.Fatal("the cancel after the faults left a seat or the guard")
	}
}

// TestFaultDocumentSubmit: POST …/submit while SQS refuses SendMessage. The
// document is marked uploaded, the check is not queued, the client gets 503
// with Retry-After; submitting again once SQS recovers answers 202 and
// queues the check, which the shared stack's pollers run to the end. (The
// queue is the shared stack's too and its pollers consume it, so the check
// is observed by its outcome, not by receiving the message.)
func TestFaultDocumentSubmit(t *testing.T) {
	t.Parallel()
	fs := startFaultStack(t)
	d := docDesk(t, fs.stack, "Europe/Moscow", "passport")
	c := newCitizen(t, fs.stack)
	b := mustBook(t, fs.stack, c, freshSlot(t, fs.stack, d, 0, 1, nextStart()).ID)
	pdf := samplePDF(t)
	up := startUpload(t, fs.stack, c, b.ID, "passport", "application/pdf", len(pdf))
	putPresigned(t, up, pdf)
	path := "/bookings/" + b.ID + "/documents/" + up.DocumentID + "/submit"

	f := fs.inj.arm(&fault{service: "SQS", ops: []string{"SendMessage"}, err: throttled,
		match: func(p any) bool { return mentions(p, up.DocumentID) }})
	unavailable(t, call(t, fs.stack, http.MethodPost, path, c.tok, nil))
	if f.seen.Load() != 3 || f.failed.Load() != 3 {
		t.Fatalf("%d SendMessage attempts (%d failed), want the SDK's 3", f.seen.Load(), f.failed.Load())
	}
	docState := func() (domain.Booking, domain.DocumentStatus) {
		got := getBookingAll(t, fs.plain, b.ID)
		for _, doc := range got.Documents {
			if doc.ID == up.DocumentID {
				return got, doc.Status
			}
		}
		t.Fatalf("document %s is gone", up.DocumentID)
		return got, ""
	}
	// Nothing was queued: the document stays uploaded, ready for a retry.
	time.Sleep(time.Second)
	got, st := docState()
	if st != domain.DocUploaded || got.Status != domain.StatusPending || historyCount(got, domain.ActionDocumentSubmitted) != 1 {
		t.Fatalf("after the failed submit: document %s, booking %s, history %+v", st, got.Status, got.History)
	}
	if e := got.RequiredDocuments[0]; e.DocumentID != up.DocumentID || e.Status != domain.DocUploaded {
		t.Fatalf("required document %+v", e)
	}

	f.stop()
	r := call(t, fs.stack, http.MethodPost, path, c.tok, nil)
	r.ok(t, http.StatusAccepted)
	var out submitResponse
	r.decode(t, &out)
	if out.DocumentID != up.DocumentID || out.Status != domain.DocUploaded {
		t.Fatalf("submit answer %s", r.body)
	}
	if n := f.seen.Load() - f.failed.Load(); n != 1 {
		t.Fatalf("%d SendMessage calls went through, want 1", n)
	}
	eventually(t, "the queued check to accept the document", func() bool {
		_, st := docState()
		return st == domain.DocAccepted
	})
	got = waitStatus(t, fs.plain, b.ID, domain.StatusConfirmed)
	if historyCount(got, domain.ActionDocumentSubmitted) != 1 || historyCount(got, domain.ActionDocumentAccepted) != 1 {
		t.Fatalf("history %+v", got.History)
	}
}

// submitResponse is the body of a 202 to POST …/submit.
type submitResponse struct {
	DocumentID string                `json:"documentId"`
	Status     domain.DocumentStatus `json:"status"`
}
