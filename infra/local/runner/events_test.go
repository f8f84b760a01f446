package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

// eventOrder runs the sample events that depend on each other in a working
// order: the profile before the booking, the booking before its reads.
var eventOrder = []string{"put-profile", "get-profile", "create-booking", "list-bookings", "get-booking",
	"upload-document", "submit-document", "document-check",
	"reschedule-booking", "institution-bookings", "cancel-booking", "record-attendance",
	"confirmation", "get-confirmation", "checkin", "list-notifications",
	"put-notification-settings", "get-notification-settings", "expire-pending", "remind-24h", "remind-1h"}

// TestSampleEvents feeds every events/<name>.json, as `sam local invoke -e`
// would, to its function's handler on the embedded stack, and expects
// success. Placeholders in the samples (a booking id, slot ids) are replaced
// by real ones made along the way.
func TestSampleEvents(t *testing.T) {
	s := stacks[0]
	tpl, err := template.Load("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]template.Function{}
	var names []string
	for _, fn := range tpl.Functions() {
		name := strings.TrimPrefix(fn.Folder, "functions/")
		byName[name] = fn
		names = append(names, name)
	}
	ordered := append([]string{}, eventOrder...)
	for _, n := range names {
		if !strings.Contains(strings.Join(eventOrder, " "), n) {
			ordered = append(ordered, n)
		}
	}

	slots := ownSlots(t, s, "inst-mfc-msk-tverskoy", "svc-passport", 2)
	subst := map[string]string{
		"<slot id from GET /institutions/{id}/slots>": slots[0],
		"<new slot id>": slots[1],
	}
	var bookingID, documentID string
	for _, name := range ordered {
		fn, ok := byName[name]
		if !ok {
			t.Fatalf("event order names %s, which the template does not have", name)
		}
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("../../../events", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if name == "confirmation" {
				// From here on the samples need a confirmed booking: one
				// whose documents were accepted; the sample event then
				// makes its ticket (or finds the pollers made it already).
				bookingID = bookWith(t, s, bookEvent(t), slots[1])
				acceptAllDocuments(t, s, bookingID)
			}
			text := string(raw)
			for k, v := range subst {
				text = strings.ReplaceAll(text, k, v)
			}
			if bookingID != "" {
				text = strings.ReplaceAll(text, "bk-sample", bookingID)
			}
			if documentID != "" {
				text = strings.ReplaceAll(text, "doc-sample", documentID)
			}
			if len(fn.Routes) == 0 {
				runWorkerSample(t, s, fn, name, text)
				return
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal([]byte(text), &ev); err != nil {
				t.Fatalf("event is not an HTTP API v2 event: %v", err)
			}
			if ev.RouteKey != fn.Routes[0].Method+" "+fn.Routes[0].Path {
				t.Fatalf("event route %q, function route %s %s", ev.RouteKey, fn.Routes[0].Method, fn.Routes[0].Path)
			}
			app := s.rn.App()
			if name == "record-attendance" {
				// Attendance is recorded once the visit has started.
				b, err := app.Store.GetBooking(context.Background(), bookingID)
				if err != nil {
					t.Fatal(err)
				}
				later := *app
				later.Now = func() time.Time { return b.Slot.Start.Add(time.Minute) }
				app = &later
			}
			if name == "get-confirmation" || name == "checkin" {
				b := waitStatus(t, s, bookingID, domain.StatusConfirmed)
				if name == "checkin" {
					ev.Body = strings.ReplaceAll(ev.Body, "<booking code>", b.Code)
					later := *app
					later.Now = func() time.Time { return b.Slot.Start.Add(time.Minute) }
					app = &later
				}
			}
			if name == "cancel-booking" {
				// Cancelled bookings cannot be attended: book again for the
				// attendance sample.
				defer func() { bookingID = bookWith(t, s, ev, slots[0]) }()
			}
			if name == "institution-bookings" {
				b, err := app.Store.GetBooking(context.Background(), bookingID)
				if err != nil {
					t.Fatal(err)
				}
				loc, _ := time.LoadLocation(b.Institution.Timezone)
				ev.QueryStringParameters["date"] = b.Slot.Start.In(loc).Format(time.DateOnly)
				ev.RawQueryString = "date=" + ev.QueryStringParameters["date"]
			}
			resp, err := lambdaapi.Handler(Handlers[fn.LogicalID](app))(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if name == "create-booking" {
				var b struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal([]byte(resp.Body), &b); err != nil || b.ID == "" {
					t.Fatalf("booking response %s", resp.Body)
				}
				bookingID = b.ID
			}
			if name == "upload-document" {
				var d struct {
					DocumentID string `json:"documentId"`
				}
				if err := json.Unmarshal([]byte(resp.Body), &d); err != nil || d.DocumentID == "" {
					t.Fatalf("upload response %s", resp.Body)
				}
				documentID = d.DocumentID
			}
		})
	}
}

// bookWith books slotID for the citizen of ev's claims, through the handler.
func bookWith(t *testing.T, s stack, ev events.APIGatewayV2HTTPRequest, slotID string) string {
	t.Helper()
	ev.RouteKey, ev.RawPath = "POST /bookings", "/bookings"
	ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.Method = "/bookings", "POST"
	ev.PathParameters = nil
	ev.Body = `{"slotId":"` + slotID + `"}`
	resp, err := lambdaapi.Handler(httpapi.CreateBooking(s.rn.App()))(context.Background(), ev)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("rebook: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	var b struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &b)
	return b.ID
}

// ownSlots creates n slots of svc at inst, a month ahead at a time no other
// test uses, so that the samples never depend on the seed's calendar.
func ownSlots(t *testing.T, s stack, inst, svc string, n int) []string {
	t.Helper()
	start := time.Now().Add(31 * 24 * time.Hour).Truncate(time.Hour).Add(7 * time.Minute)
	var out []string
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour)
		sl := domain.SlotSpec{ServiceID: svc, Start: at, End: at.Add(20 * time.Minute), Capacity: 3}.Slot(inst)
		if _, err := s.rn.App().Store.CreateSlot(context.Background(), sl); err != nil {
			t.Fatal(err)
		}
		out = append(out, sl.ID)
	}
	return out
}

// runWorkerSample feeds an SQS or EventBridge sample to its worker, as
// `sam local invoke -e` would.
func runWorkerSample(t *testing.T, s stack, fn template.Function, name, text string) {
	t.Helper()
	ctx := context.Background()
	w := s.rn.Worker()
	if len(fn.Queues) > 0 {
		var ev events.SQSEvent
		if err := json.Unmarshal([]byte(text), &ev); err != nil || len(ev.Records) == 0 {
			t.Fatalf("event is not an SQS event: %v", err)
		}
		resp, err := Workers[fn.LogicalID](w)(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s: %v, failures %v", name, err, resp.BatchItemFailures)
		}
		return
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(text), &ev); err != nil || ev.DetailType != "Scheduled Event" || ev.Time.IsZero() {
		t.Fatalf("event is not a Scheduled Event: %v", err)
	}
	// Long before any test's deadline: the run must find nothing to do
	// rather than expire other tests' bookings on the shared stack.
	ev.Time = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Scheduled[fn.LogicalID](w)(ctx, ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// bookEvent is the create-booking sample, for rebooking with its citizen.
func bookEvent(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("../../../events/create-booking.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	for k := range ev.Headers {
		if strings.EqualFold(k, "Idempotency-Key") {
			delete(ev.Headers, k) // a new booking, not a replay of the sample's
		}
	}
	return ev
}
