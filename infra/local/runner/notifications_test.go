package runner

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/store"
)

// delivered is one message that reached a channel's SQS queue through the
// topic's filtered subscription.
type delivered struct {
	Queue     string // SmsDeliveryQueue, ...
	Channel   string // the channel message attribute
	Kind      string // the kind message attribute
	BookingID string `json:"bookingId"`
	Body      struct {
		BookingID string `json:"bookingId"`
		Kind      string `json:"kind"`
		Channel   string `json:"channel"`
		To        string `json:"to"`
		Subject   string `json:"subject"`
		Text      string `json:"text"`
	}
}

// inbox drains the three delivery queues of a stack for the whole test
// binary and files what arrives by booking, so tests running in parallel
// never take each other's messages.
type inbox struct {
	mu   sync.Mutex
	got  map[string][]delivered
	once sync.Once
}

var inboxes sync.Map // stack name → *inbox

func inboxOf(t *testing.T, s stack) *inbox {
	t.Helper()
	v, _ := inboxes.LoadOrStore(s.name, &inbox{got: map[string][]delivered{}})
	ib := v.(*inbox)
	ib.once.Do(func() {
		for _, q := range []string{"SmsDeliveryQueue", "EmailDeliveryQueue", "PushDeliveryQueue"} {
			go ib.drain(s, q)
		}
	})
	return ib
}

func (ib *inbox) drain(s stack, queue string) {
	url := s.rn.Resources().QueueURLs[queue]
	for {
		out, err := s.rn.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
		})
		if err != nil || len(out.Messages) == 0 {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		for _, m := range out.Messages {
			d := delivered{Queue: queue}
			_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &d.Body)
			d.BookingID = d.Body.BookingID
			if a, ok := m.MessageAttributes["channel"]; ok {
				d.Channel = aws.ToString(a.StringValue)
			}
			if a, ok := m.MessageAttributes["kind"]; ok {
				d.Kind = aws.ToString(a.StringValue)
			}
			ib.mu.Lock()
			ib.got[d.BookingID] = append(ib.got[d.BookingID], d)
			ib.mu.Unlock()
			_, _ = s.rn.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
}

// of returns what arrived for a booking and kind.
func (ib *inbox) of(bookingID, kind string) []delivered {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	var out []delivered
	for _, d := range ib.got[bookingID] {
		if d.Kind == kind {
			out = append(out, d)
		}
	}
	return out
}

// settle waits until n messages of kind arrived for a booking, and then a
// little longer to catch any that should not have.
func (ib *inbox) settle(t *testing.T, bookingID, kind string, n int) []delivered {
	t.Helper()
	eventually(t, "notifications to arrive", func() bool { return len(ib.of(bookingID, kind)) >= n })
	time.Sleep(1500 * time.Millisecond)
	got := ib.of(bookingID, kind)
	if len(got) != n {
		t.Fatalf("%s for %s: %d messages arrived, want %d: %+v", kind, bookingID, len(got), n, got)
	}
	return got
}

type journalEntry struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	Status    string `json:"status"`
	At        string `json:"at"`
	MessageID string `json:"messageId"`
}

func journal(t *testing.T, s stack, tok, bookingID string) []journalEntry {
	t.Helper()
	r := call(t, s, http.MethodGet, "/bookings/"+bookingID+"/notifications", tok, nil)
	r.ok(t, http.StatusOK)
	var out struct {
		Items []journalEntry `json:"items"`
	}
	r.decode(t, &out)
	return out.Items
}

func journalOf(entries []journalEntry, kind string) map[string]string {
	out := map[string]string{}
	for _, e := range entries {
		if e.Kind == kind {
			out[e.Channel] += e.Status + " "
		}
	}
	for k, v := range out {
		out[k] = strings.TrimSpace(v)
	}
	return out
}

type reminderRun struct {
	Due       int `json:"due"`
	Sent      int `json:"sent"`
	ItemsRead int `json:"itemsRead"`
}

func runSchedule(t *testing.T, s stack, name string, at time.Time) reminderRun {
	t.Helper()
	r := call(t, s, http.MethodPost, "/_local/schedules/"+name+"/run", "", map[string]string{"time": at.UTC().Format(time.RFC3339)})
	r.ok(t, http.StatusOK)
	var out reminderRun
	r.decode(t, &out)
	return out
}

// confirmedBooking books a slot of a no-document service starting at
// start and waits for its confirmation.
func confirmedBooking(t *testing.T, s stack, d desk, c citizen, start time.Time) domain.Booking {
	t.Helper()
	b := mustBook(t, s, c, freshSlot(t, s, d, 0, 3, start).ID)
	return waitStatus(t, s, b.ID, domain.StatusConfirmed)
}

func TestNotificationSettings(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		c := newCitizen(t, s)
		r := call(t, s, http.MethodGet, "/me/notification-settings", c.tok, nil)
		r.ok(t, http.StatusOK)
		if strings.Join(strings.Fields(string(r.body)), "") != `{"channels":{"sms":true,"email":true,"push":true},"reminders":{"24h":true,"1h":true}}` {
			t.Fatalf("defaults %s", r.body)
		}
		p := call(t, s, http.MethodPut, "/me/notification-settings", c.tok, map[string]any{"channels": map[string]bool{"sms": false}}).problem(t, http.StatusBadRequest, "validation_failed")
		if f := strings.Join(fieldsOf(p), ","); f != "channels.email,channels.push,reminders" {
			t.Fatalf("fields %s", f)
		}
		call(t, s, http.MethodPut, "/me/notification-settings", c.tok, `{"channels":{"sms":"no"}}`).problem(t, http.StatusBadRequest, "validation_failed")
		call(t, s, http.MethodPut, "/me/notification-settings", c.tok, map[string]any{"channels": map[string]bool{"sms": false, "email": true, "push": true, "fax": true}, "reminders": map[string]bool{"24h": true, "1h": false}}).problem(t, http.StatusBadRequest, "validation_failed")
		want := map[string]any{"channels": map[string]bool{"sms": false, "email": true, "push": true}, "reminders": map[string]bool{"24h": true, "1h": false}}
		call(t, s, http.MethodPut, "/me/notification-settings", c.tok, want).ok(t, http.StatusOK)
		r = call(t, s, http.MethodGet, "/me/notification-settings", c.tok, nil)
		if !strings.Contains(string(r.body), `"sms":false`) || !strings.Contains(string(r.body), `"1h":false`) {
			t.Fatalf("saved %s", r.body)
		}
		call(t, s, http.MethodGet, "/me/notification-settings", "", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		d := newDesk(t, s, "Europe/Moscow", 1)
		call(t, s, http.MethodGet, "/me/notification-settings", d.op, nil).problem(t, http.StatusForbidden, "forbidden")
		call(t, s, http.MethodPut, "/me/notification-settings", d.op, want).problem(t, http.StatusForbidden, "forbidden")
		// Another citizen still has the defaults.
		other := newCitizen(t, s)
		if r := call(t, s, http.MethodGet, "/me/notification-settings", other.tok, nil); !strings.Contains(string(r.body), `"sms":true`) {
			t.Fatalf("other citizen %s", r.body)
		}
	})
}

// TestReminders24h: a booking 30 hours ahead gets one 24-hour reminder per
// channel when the schedule runs a minute after it fell due; later and
// repeated runs (also two at once) send nothing more.
func TestReminders24h(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ib := inboxOf(t, s)
		d := docDesk(t, s, "Asia/Kamchatka")
		c := newCitizen(t, s)
		start := nextStart()
		b := confirmedBooking(t, s, d, c, start)
		ib.settle(t, b.ID, string(notify.KindConfirmed), 3)

		due := start.Add(-24 * time.Hour)
		runSchedule(t, s, "remind-24h", due.Add(-time.Minute)) // not yet
		if n := len(ib.of(b.ID, string(notify.KindReminder24h))); n != 0 {
			t.Fatalf("%d reminders before they were due", n)
		}
		// Two runs at the same instant, then repeats at and after it.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { runSchedule(t, s, "remind-24h", due.Add(time.Minute)) })
		}
		wg.Wait()
		runSchedule(t, s, "remind-24h", due.Add(time.Minute))
		runSchedule(t, s, "remind-24h", due.Add(3*time.Hour))
		got := ib.settle(t, b.ID, string(notify.KindReminder24h), 3)
		channels := map[string]bool{}
		for _, m := range got {
			channels[m.Channel] = true
			if m.Body.Channel != m.Channel || m.Queue != map[string]string{"sms": "SmsDeliveryQueue", "email": "EmailDeliveryQueue", "push": "PushDeliveryQueue"}[m.Channel] {
				t.Errorf("message on %s with channel %s/%s", m.Queue, m.Channel, m.Body.Channel)
			}
			if !strings.Contains(m.Body.Text, b.Code[:4]) || !strings.Contains(m.Body.Text, "UTC+12") {
				t.Errorf("%s text lacks the code or the zone: %q", m.Channel, m.Body.Text)
			}
			if m.Channel == "sms" {
				if _, segs := notify.Segments(m.Body.Text); segs > notify.MaxSMSSegments {
					t.Errorf("SMS of %d segments: %q", segs, m.Body.Text)
				}
			}
		}
		if len(channels) != 3 {
			t.Fatalf("channels %v", channels)
		}
		j := journalOf(journal(t, s, c.tok, b.ID), string(notify.KindReminder24h))
		if j["sms"] != "published" || j["email"] != "published" || j["push"] != "published" {
			t.Fatalf("journal %v", j)
		}
		for _, e := range journal(t, s, c.tok, b.ID) {
			if e.Status == "published" && e.MessageID == "" {
				t.Fatalf("published without a MessageId: %+v", e)
			}
		}
		// The 1-hour reminder follows at its own time.
		runSchedule(t, s, "remind-1h", start.Add(-time.Hour+time.Minute))
		ib.settle(t, b.ID, string(notify.KindReminder1h), 3)
		// Another citizen and an outside operator cannot read the journal.
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/notifications", newCitizen(t, s).tok, nil).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/notifications", newDesk(t, s, "Europe/Moscow", 1).op, nil).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/notifications", "", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		if len(journal(t, s, d.op, b.ID)) == 0 {
			t.Fatal("the institution's operator sees no journal")
		}
	})
}

// TestRemindersLateCancelledMoved covers the other rules: a booking made 10
// hours ahead gets only the 1-hour reminder; a cancelled one gets none; a
// moved one gets them again for its new time.
func TestRemindersLateCancelledMoved(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ib := inboxOf(t, s)
		d := docDesk(t, s, "Europe/Moscow")
		now := time.Now()

		late := confirmedBooking(t, s, d, newCitizen(t, s), now.Add(10*time.Hour).Truncate(time.Minute))
		runSchedule(t, s, "remind-24h", now.Add(time.Minute))
		runSchedule(t, s, "remind-1h", late.Slot.Start.Add(-time.Hour+time.Minute))
		ib.settle(t, late.ID, string(notify.KindReminder1h), 3)
		if n := len(ib.of(late.ID, string(notify.KindReminder24h))); n != 0 {
			t.Fatalf("booking made 10 h ahead got %d 24-hour reminders", n)
		}

		cc := newCitizen(t, s)
		gone := confirmedBooking(t, s, d, cc, nextStart())
		call(t, s, http.MethodPost, "/bookings/"+gone.ID+"/cancel", cc.tok, map[string]string{}).ok(t, http.StatusOK)
		ib.settle(t, gone.ID, string(notify.KindCancelled), 3)
		runSchedule(t, s, "remind-24h", gone.Slot.Start.Add(-24*time.Hour+time.Minute))
		runSchedule(t, s, "remind-1h", gone.Slot.Start.Add(-time.Hour+time.Minute))
		if n := len(ib.of(gone.ID, string(notify.KindReminder24h))) + len(ib.of(gone.ID, string(notify.KindReminder1h))); n != 0 {
			t.Fatalf("cancelled booking got %d reminders", n)
		}

		mc := newCitizen(t, s)
		moved := confirmedBooking(t, s, d, mc, nextStart())
		runSchedule(t, s, "remind-24h", moved.Slot.Start.Add(-24*time.Hour+time.Minute))
		ib.settle(t, moved.ID, string(notify.KindReminder24h), 3)
		to := freshSlot(t, s, d, 0, 1, nextStart())
		call(t, s, http.MethodPost, "/bookings/"+moved.ID+"/reschedule", mc.tok, map[string]string{"slotId": to.ID}).ok(t, http.StatusOK)
		resched := ib.settle(t, moved.ID, string(notify.KindRescheduled), 3)
		if !strings.Contains(resched[0].Body.Text+resched[1].Body.Text+resched[2].Body.Text, "UTC+3") {
			t.Errorf("rescheduled texts lack the zone: %+v", resched)
		}
		runSchedule(t, s, "remind-24h", to.Start.Add(-24*time.Hour+time.Minute))
		ib.settle(t, moved.ID, string(notify.KindReminder24h), 6)
	})
}

// TestReminderSettingsSuppress: what the citizen switched off is journalled
// as suppressed and never published.
func TestReminderSettingsSuppress(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ib := inboxOf(t, s)
		d := docDesk(t, s, "Europe/Kaliningrad")
		c := newCitizen(t, s)
		call(t, s, http.MethodPut, "/me/notification-settings", c.tok, map[string]any{
			"channels": map[string]bool{"sms": false, "email": true, "push": true}, "reminders": map[string]bool{"24h": true, "1h": false},
		}).ok(t, http.StatusOK)
		b := confirmedBooking(t, s, d, c, nextStart())
		runSchedule(t, s, "remind-24h", b.Slot.Start.Add(-24*time.Hour+time.Minute))
		runSchedule(t, s, "remind-1h", b.Slot.Start.Add(-time.Hour+time.Minute))
		got := ib.settle(t, b.ID, string(notify.KindReminder24h), 2)
		for _, m := range got {
			if m.Channel == "sms" {
				t.Fatal("SMS published although switched off")
			}
		}
		ib.settle(t, b.ID, string(notify.KindReminder1h), 0)
		j := journal(t, s, c.tok, b.ID)
		if r := journalOf(j, string(notify.KindReminder24h)); r["sms"] != "suppressed" || r["email"] != "published" {
			t.Fatalf("24h journal %v", r)
		}
		if r := journalOf(j, string(notify.KindReminder1h)); r["sms"] != "suppressed" || r["email"] != "suppressed" || r["push"] != "suppressed" {
			t.Fatalf("1h journal %v", r)
		}
	})
}

// TestPublishFailureIsRetried: when SNS refuses, the journal says failed,
// nothing is lost, and the next run publishes it.
func TestPublishFailureIsRetried(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ib := inboxOf(t, s)
		d := docDesk(t, s, "Europe/Moscow")
		c := newCitizen(t, s)
		b := confirmedBooking(t, s, d, c, nextStart())
		cfg, err := awsconf.Load(context.Background(), s.rn.Endpoint())
		if err != nil {
			t.Fatal(err)
		}
		broken := *s.rn.Worker()
		n := *broken.Notifier
		n.SNS = awsconf.SNS(cfg, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, failPublish) })
		broken.Notifier = &n
		due := b.Slot.Start.Add(-24 * time.Hour)
		if _, err := broken.Remind24h(context.Background(), events.EventBridgeEvent{Time: due.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if r := journalOf(journal(t, s, c.tok, b.ID), string(notify.KindReminder24h)); r["sms"] != "failed" || r["email"] != "failed" {
			t.Fatalf("journal after SNS failure %v", r)
		}
		// A minute later the next run of the healthy function retries.
		runSchedule(t, s, "remind-1h", due.Add(2*time.Minute))
		ib.settle(t, b.ID, string(notify.KindReminder24h), 3)
		if r := journalOf(journal(t, s, c.tok, b.ID), string(notify.KindReminder24h)); r["sms"] != "published" || r["push"] != "published" {
			t.Fatalf("journal after retry %v", r)
		}
	})
}

func failPublish(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("failPublish", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if _, ok := in.Parameters.(*sns.PublishInput); ok {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: SNS unavailable")
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

var (
	_ = store.NotifPublished
	_ = notifier.RetryAfter
)
