package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/zapis/zapis/infra/local/runner"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/pipeline"
	"github.com/zapis/zapis/shared/store"
)

// dueInWindow is how many bookings fall due in each measured run: 100, or
// ZAPIS_SCALE_DUE.
var dueInWindow = func() int {
	if n, err := strconv.Atoi(os.Getenv("ZAPIS_SCALE_DUE")); err == nil && n > 0 {
		return n
	}
	return 100
}()

// progress tells a long run's watcher where it is (b.Logf shows only at
// the end).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// scaleResult is one reminder run over a table of a given size.
type scaleResult struct {
	Run        string        `json:"run"`
	Bookings   int           `json:"bookings"`
	Due        int           `json:"due"`
	Done       int           `json:"done"`               // reminders sent or bookings expired
	ItemsRead  int           `json:"itemsReadByQueries"` // due index only
	MeterRead  int           `json:"itemsReadAll"`       // every read of the run, at the SDK
	Written    int           `json:"itemsWritten"`
	Requests   int           `json:"requests"`
	Publishes  int           `json:"snsPublishes"`
	QueryTime  time.Duration `json:"-"`
	RunTime    time.Duration `json:"-"`
	QueryMs    float64       `json:"dueQueryMs"`
	RunMs      float64       `json:"runMs"`
	ReadPerDue float64       `json:"readPerDue"`
	used       meterSnapshot
	dueByQuery int // what DueBetween found before the run
}

// measureDueRun times the Query of kind's markers due in (from, at] alone,
// then the scheduled run, counting at the meter what the run asked of AWS.
func measureDueRun(b *testing.B, m *meter, st *store.Store, name string, kind domain.DueKind, from, at time.Time, run func() error) scaleResult {
	b.Helper()
	q0 := time.Now()
	dues, scan, err := st.DueBetween(context.Background(), kind, from, at)
	if err != nil {
		b.Fatal(err)
	}
	qt := time.Since(q0)
	before := m.snapshot()
	r0 := time.Now()
	if err := run(); err != nil {
		b.Fatal(err)
	}
	rt := time.Since(r0)
	used := m.snapshot().since(before)
	return scaleResult{Run: name, ItemsRead: scan.ItemsRead, MeterRead: used.Read, Written: used.Written, Requests: used.Requests,
		Publishes: used.Other["sns:Publish"], QueryTime: qt, RunTime: rt, used: used, dueByQuery: len(dues)}
}

// BenchmarkReminderScale fills one table with future bookings (10,000, then
// 100,000), each time with dueInWindow reminders due at the run's instant,
// and runs remind-24h and expire-pending: they must read about what is due,
// and their time must not follow the table's size. Embedded engine only
// (as make bench patches it, see scaleSizes): moto scans every item per
// Query and copies the table per transaction, which makes a 100,000-booking
// table a measure of moto, not of the code.
func BenchmarkReminderScale(b *testing.B) {
	ctx := context.Background()
	m := newMeter()
	rn, err := runner.Start(ctx, runner.Config{
		Addr: "127.0.0.1:0", TemplatePath: "../template.yaml", NoWorkers: true,
		Log: slog.New(slog.DiscardHandler), AWS: func(c *aws.Config) { m.install(c) },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer rn.Close()
	st, w := rn.App().Store, rn.Worker()
	base := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)

	var (
		results     []scaleResult
		perReminder scaleResult
	)
	total := 0
	for i, size := range scaleSizes(b) {
		// Background bookings: due from ten days out, never in a window.
		var batch []domain.Booking
		for n := total; n < size; n++ {
			start := base.Add(10*24*time.Hour + time.Duration(n%(90*24*12))*5*time.Minute)
			batch = append(batch, scaleBooking(fmt.Sprintf("bg-%d", n), start))
		}
		// The due ones: reminders due in the six hours before the run.
		at := base.Add(time.Duration(i+1) * 48 * time.Hour)
		for n := range dueInWindow {
			due := at.Add(-time.Duration(n+1) * 3 * time.Minute)
			batch = append(batch, scaleBooking(fmt.Sprintf("due-%d-%d", i, n), due.Add(24*time.Hour)))
		}
		loadStart := time.Now()
		if err := st.LoadBookings(ctx, batch); err != nil {
			b.Fatal(err)
		}
		total = size
		// The emulator sorts what a bulk load appended on the first read
		// of the index; pay that here, not in the measured Query.
		if _, _, err := st.DueBetween(ctx, domain.DueRemind24h, base, base.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d bookings (%d in the table) in %s", len(batch), total+dueInWindow*(2*i+1), time.Since(loadStart).Round(time.Second))
		progress("scale %d: loaded in %s; remind-24h run", size, time.Since(loadStart).Round(time.Second))

		var sum pipeline.ReminderSummary
		res := measureDueRun(b, m, st, "remind-24h", domain.DueRemind24h, at.Add(-pipeline.RemindLookback), at, func() (err error) {
			sum, err = w.Remind24h(ctx, events.EventBridgeEvent{Time: at})
			return err
		})
		if res.dueByQuery != dueInWindow || sum.Due != dueInWindow {
			b.Fatalf("%d bookings: %d due by query, %d by the run, want %d", size, res.dueByQuery, sum.Due, dueInWindow)
		}
		if sum.Sent != dueInWindow { // no profile: push only, one message each
			b.Fatalf("%d bookings: %d reminders sent, want %d", size, sum.Sent, dueInWindow)
		}
		res.Bookings, res.Due, res.Done = size+dueInWindow*(2*i+1), sum.Due, sum.Sent
		res.ReadPerDue = float64(res.ItemsRead) / float64(sum.Due)
		results = append(results, res)
		perReminder = res

		// Expiry: dueInWindow pending bookings made through the real
		// booking transaction (seat, guard, code, markers), each missing
		// its mandatory document and past its deadline at the run's
		// instant, which is 12 h after the reminder run so neither run
		// sees the other's markers.
		progress("scale %d: remind-24h: %d due, %d index items read, %d requests, %s; expire-pending run", size, res.Due, res.ItemsRead, res.Requests, res.RunTime.Round(time.Millisecond))
		exp := at.Add(12 * time.Hour)
		pending := scalePending(b, ctx, st, fmt.Sprint(i), exp)
		var esum pipeline.ExpirySummary
		eres := measureDueRun(b, m, st, "expire-pending", domain.DueExpire, exp.Add(-pipeline.ExpireLookback), exp, func() (err error) {
			esum, err = w.ExpirePending(ctx, events.EventBridgeEvent{Time: exp})
			return err
		})
		if eres.dueByQuery != pending || esum.Due != pending || esum.Expired != pending {
			b.Fatalf("%d bookings: %d due by query, %d by the run, %d expired, want %d", size, eres.dueByQuery, esum.Due, esum.Expired, pending)
		}
		eres.Bookings, eres.Due, eres.Done = res.Bookings+pending, esum.Due, esum.Expired
		eres.ReadPerDue = float64(eres.ItemsRead) / float64(esum.Due)
		results = append(results, eres)
		progress("scale %d: expire-pending: %d due, %d index items read, %d requests, %s", size, eres.Due, eres.ItemsRead, eres.Requests, eres.RunTime.Round(time.Millisecond))
	}
	for i, r := range results {
		results[i].QueryMs, results[i].RunMs = ms(r.QueryTime), ms(r.RunTime)
		b.Logf("%-14s %7d bookings: %d due, %d done, %d index items read (%.2f×), %d items read in all, %d written, %d requests; due query %s, whole run %s",
			r.Run, r.Bookings, r.Due, r.Done, r.ItemsRead, r.ReadPerDue, r.MeterRead, r.Written, r.Requests, r.QueryTime.Round(time.Microsecond), r.RunTime.Round(time.Millisecond))
		if r.ReadPerDue > 1.1 {
			b.Errorf("%s over %d bookings read %d index items for %d due (%.2f×, limit 1.1×)", r.Run, r.Bookings, r.ItemsRead, r.Due, r.ReadPerDue)
		}
	}
	small, big := results[0], results[2]
	growth := float64(big.RunTime) / float64(small.RunTime)
	b.Logf("remind-24h big/small: due query time %.2f×, whole run %.2f×", float64(big.QueryTime)/float64(small.QueryTime), growth)
	// 10× the bookings: a run that walked the table would take about 10×
	// as long. Only the patched engine queries by partition (scaleSizes).
	if patchedEngine() && growth > 3 {
		b.Errorf("remind-24h took %.1f× as long over %d bookings as over %d: it follows the table's size", growth, big.Bookings, small.Bookings)
	}
	b.ReportMetric(big.ReadPerDue, "read/due")
	b.ReportMetric(float64(big.QueryTime)/float64(small.QueryTime), "query-big/small")
	b.ReportMetric(growth, "run-big/small")
	report.add("dueScale", results)
	report.add("costPerReminder", reminderCost(perReminder))
}

// reminderCost prices one reminder sent from the measured run: its share of
// the run's DynamoDB requests and items (a journal entry and the marker's
// delete in one transaction a booking), its SNS publish, and the run's one
// Lambda invocation billed for the run's time here (the emulator's time, so
// an overestimate). The schedule's empty runs (every 5 minutes) are a fixed
// cost of cents a month and left out.
func reminderCost(r scaleResult) map[string]any {
	n := float64(r.Done)
	return map[string]any{"reminders": r.Done, "requestsPerReminder": float64(r.Requests) / n,
		"itemsReadPerReminder": float64(r.MeterRead) / n, "itemsWrittenPerReminder": float64(r.Written) / n,
		"snsPublishesPerReminder": float64(r.Publishes) / n,
		"costPerMillionUSD":       costPerMillion(r.used, billing{lambdaLatency: r.RunTime}) / n}
}

// scalePending books dueInWindow pending bookings whose documents deadline
// falls in the six hours before at, through CreateBooking's transaction.
func scalePending(b *testing.B, ctx context.Context, st *store.Store, tag string, at time.Time) int {
	b.Helper()
	var slots []domain.Slot
	for n := range dueInWindow {
		start := at.Add(-time.Duration(n+1)*3*time.Minute + 24*time.Hour).Truncate(time.Minute)
		slots = append(slots, domain.Slot{ID: domain.NewSlotID("inst-scale", "svc-scale", start), InstitutionID: "inst-scale",
			ServiceID: "svc-scale", Start: start, End: start.Add(3 * time.Minute), Capacity: 1})
	}
	if _, err := st.EnsureSlots(ctx, slots); err != nil {
		b.Fatal(err)
	}
	for n, sl := range slots {
		bk := scaleBooking(fmt.Sprintf("pending-%s-%d", tag, n), sl.Start)
		bk.Status, bk.Slot.ID, bk.Slot.End = domain.StatusPending, sl.ID, sl.End
		bk.RequiredDocuments = []domain.BookingDocument{{Type: "passport", Name: "Паспорт", Mandatory: true, Status: domain.DocMissing}}
		if err := st.CreateBooking(ctx, bk, nil); err != nil {
			b.Fatalf("pending booking %d: %v", n, err)
		}
	}
	return len(slots)
}

// scaleBooking is a confirmed booking of a citizen without a profile (so
// only push is published) made a month before its start.
func scaleBooking(id string, start time.Time) domain.Booking {
	return domain.Booking{
		ID: "bk-" + id, Code: domain.NewCode(), Status: domain.StatusConfirmed, CitizenID: "cit-" + id, CitizenName: "Иванов Иван",
		Service:           domain.ServiceRef{ID: "svc-scale", Name: "Оформление паспорта"},
		Institution:       domain.InstitutionRef{ID: "inst-scale", Name: "МФЦ", Address: "ул. Тверская, 1", Timezone: "Europe/Moscow"},
		Slot:              domain.SlotRef{ID: "slot-" + id, Start: start, End: start.Add(15 * time.Minute)},
		CancelBeforeHours: 24, RequiredDocuments: []domain.BookingDocument{},
		DocumentsDeadline: start.Add(-24 * time.Hour), CreatedAt: start.Add(-30 * 24 * time.Hour), ArmedAt: start.Add(-30 * 24 * time.Hour),
		UpdatedAt: start.Add(-30 * 24 * time.Hour), Version: 1,
		History: []domain.HistoryEntry{{At: start.Add(-30 * 24 * time.Hour), Action: domain.ActionCreated, Actor: domain.ActorCitizen}},
	}
}

// scaleSizes are the table sizes compared: 10,000 and 100,000 bookings on
// the engine make bench builds (minidyn with bench/minidyn/minidyn.patch),
// or ZAPIS_SCALE="small,big". Stock minidyn re-sorts its keys on every
// insert, copies whole tables around transactions and walks every item per
// Query, so it cannot load 100,000 bookings: built without the patch (a
// plain go test -bench) the sizes are 1,000 and 5,000, and only the counts
// mean anything. The requests and items counted are the code's own.
func scaleSizes(b *testing.B) []int {
	v := os.Getenv("ZAPIS_SCALE")
	if v == "" && patchedEngine() {
		return []int{10_000, 100_000}
	}
	if v == "" {
		return []int{1_000, 5_000}
	}
	var small, big int
	if _, err := fmt.Sscanf(v, "%d,%d", &small, &big); err != nil || small <= 0 || big <= small {
		b.Fatalf("ZAPIS_SCALE=%q: want two growing sizes, e.g. 1000,10000", v)
	}
	return []int{small, big}
}
