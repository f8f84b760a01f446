package runner

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

// lastHistory returns the newest history entry.
func lastHistory(t *testing.T, b domain.Booking) domain.HistoryEntry {
	t.Helper()
	if len(b.History) == 0 {
		t.Fatalf("booking %s has no history", b.ID)
	}
	return b.History[len(b.History)-1]
}

// TestBookingHappyPath: POST /bookings, the booking as API.md describes it,
// the seat taken, and the citizen's list with its filters and pages.
func TestBookingHappyPath(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Moscow", 3)
		c := newCitizen(t, s)
		slot := freshSlot(t, s, d, 0, 3, nextStart())
		if got := freeSeats(t, s, d, slot); got != 3 {
			t.Fatalf("free %d before booking", got)
		}

		before := time.Now().Add(-time.Second)
		r := book(t, s, c, slot.ID)
		r.ok(t, http.StatusCreated)
		b := asBooking(t, r)
		if loc := r.header.Get("Location"); loc != "/bookings/"+b.ID {
			t.Fatalf("Location %q for %s", loc, b.ID)
		}
		// Every field of the contract is present.
		var raw map[string]json.RawMessage
		r.decode(t, &raw)
		for _, k := range []string{"id", "code", "status", "service", "institution", "slot", "requiredDocuments", "documentsDeadline", "createdAt", "history"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("booking lacks %q: %s", k, r.body)
			}
		}
		// citizenName is "shown to operators only" (domain.Booking); GET
		// /bookings/{id} drops it for the citizen, POST must too.
		if _, ok := raw["citizenName"]; ok {
			t.Errorf("POST /bookings shows the citizen a citizenName field (GET does not): %.120s…", r.body)
		}
		if b.Status != domain.StatusPending {
			t.Fatalf("status %s", b.Status)
		}
		if n, ok := domain.NormalizeCode(b.Code); !ok || n != b.Code || len(b.Code) != 8 {
			t.Fatalf("code %q is not 8 Crockford characters", b.Code)
		}
		svc := d.svcs[0]
		if b.Service != (domain.ServiceRef{ID: svc.ID, Name: svc.Name}) {
			t.Fatalf("service %+v", b.Service)
		}
		if b.Institution != (domain.InstitutionRef{ID: d.inst.ID, Name: d.inst.Name, Address: d.inst.Address, Timezone: "Europe/Moscow"}) {
			t.Fatalf("institution %+v", b.Institution)
		}
		if b.Slot.ID != slot.ID || !b.Slot.Start.Equal(slot.Start) || !b.Slot.End.Equal(slot.End) {
			t.Fatalf("slot %+v, want %+v", b.Slot, slot)
		}
		if len(b.RequiredDocuments) != 2 {
			t.Fatalf("documents %+v", b.RequiredDocuments)
		}
		for i, doc := range b.RequiredDocuments {
			if doc.Status != domain.DocMissing || doc.Type != svc.RequiredDocuments[i].Type || doc.Mandatory != svc.RequiredDocuments[i].Mandatory {
				t.Fatalf("document %d %+v", i, doc)
			}
		}
		if !b.DocumentsDeadline.Equal(slot.Start.Add(-24 * time.Hour)) {
			t.Fatalf("documentsDeadline %s, want %s", b.DocumentsDeadline, slot.Start.Add(-24*time.Hour))
		}
		if b.CreatedAt.Before(before) || b.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("createdAt %s", b.CreatedAt)
		}
		if len(b.History) != 1 || b.History[0].Action != "created" || b.History[0].Actor != "citizen" || b.History[0].At.IsZero() {
			t.Fatalf("history %+v", b.History)
		}

		// The seat is taken, in the API and in the table.
		if got := freeSeats(t, s, d, slot); got != 2 {
			t.Fatalf("free %d after one booking of 3 seats", got)
		}
		if got := booked(t, s, slot.ID); got != 1 {
			t.Fatalf("booked %d", got)
		}
		if !guardExists(t, s, c, svc.ID) || rawItem(t, s, "CODE#"+b.Code, "CODE") == nil {
			t.Fatal("guard or code item missing")
		}

		got := getBooking(t, s, c.tok, b.ID)
		if got.ID != b.ID || got.Code != b.Code || got.Status != b.Status || len(got.History) != 1 || got.CitizenName != "" ||
			!got.DocumentsDeadline.Equal(b.DocumentsDeadline) || got.Slot.ID != b.Slot.ID || !got.Slot.Start.Equal(b.Slot.Start) {
			t.Fatalf("GET /bookings/{id} %+v\nPOST answered %+v", got, b)
		}
		call(t, s, http.MethodGet, "/bookings/bk-does-not-exist", c.tok, nil).problem(t, 404, "not_found")

		// Two more bookings of other services, at earlier and later times,
		// made out of order: the list is sorted by slot start.
		early := freshSlot(t, s, d, 1, 1, slot.Start.Add(-3*24*time.Hour+7*time.Minute))
		late := freshSlot(t, s, d, 2, 1, slot.Start.Add(2*24*time.Hour+11*time.Minute))
		bLate := mustBook(t, s, c, late.ID)
		bEarly := mustBook(t, s, c, early.ID)
		wantOrder := []string{bEarly.ID, b.ID, bLate.ID}

		ids := func(bs []domain.Booking) []string {
			out := make([]string, len(bs))
			for i, x := range bs {
				out[i] = x.ID
			}
			return out
		}
		if got := ids(myBookings(t, s, c, "active")); !slices.Equal(got, wantOrder) {
			t.Fatalf("active %v, want %v", got, wantOrder)
		}
		if got := ids(myBookings(t, s, c, "")); !slices.Equal(got, wantOrder) {
			t.Fatalf("all %v, want %v", got, wantOrder)
		}
		for _, st := range []string{"cancelled", "completed"} {
			if got := myBookings(t, s, c, st); len(got) != 0 {
				t.Fatalf("status=%s lists %v", st, ids(got))
			}
		}
		p := call(t, s, http.MethodGet, "/bookings?status=pending", c.tok, nil).problem(t, 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), "status") {
			t.Fatalf("fields %v", fieldsOf(p))
		}

		// limit=1 walks all three, one per page, in order.
		var walked []string
		next, pages := "", 0
		for ; pages < 10; pages++ {
			path := "/bookings?status=active&limit=1"
			if next != "" {
				path += "&nextToken=" + url.QueryEscape(next)
			}
			r := call(t, s, http.MethodGet, path, c.tok, nil)
			r.ok(t, 200)
			var page bookingList
			r.decode(t, &page)
			if len(page.Items) > 1 {
				t.Fatalf("page of %d with limit=1", len(page.Items))
			}
			walked = append(walked, ids(page.Items)...)
			if next = page.NextToken; next == "" {
				break
			}
		}
		if !slices.Equal(walked, wantOrder) || pages > 3 {
			t.Fatalf("walked %v in %d pages, want %v", walked, pages+1, wantOrder)
		}

		// A nextToken is the caller's own: garbage and another citizen's
		// token are 400, never 500 and never someone else's page.
		r = call(t, s, http.MethodGet, "/bookings?limit=1", c.tok, nil)
		var first bookingList
		r.decode(t, &first)
		if first.NextToken == "" {
			t.Fatal("no nextToken with limit=1 and 3 bookings")
		}
		other := newCitizen(t, s)
		for _, tok := range []string{"garbage", "!!!", strings.Repeat("A", 3000), first.NextToken[:len(first.NextToken)/2], "eyJ9"} {
			call(t, s, http.MethodGet, "/bookings?nextToken="+url.QueryEscape(tok), c.tok, nil).problem(t, 400, "validation_failed")
		}
		call(t, s, http.MethodGet, "/bookings?nextToken="+url.QueryEscape(first.NextToken), other.tok, nil).problem(t, 400, "validation_failed")
		for _, l := range []string{"0", "201", "-1", "ten"} {
			call(t, s, http.MethodGet, "/bookings?limit="+l, c.tok, nil).problem(t, 400, "validation_failed")
		}
		// The other citizen sees none of it.
		if got := myBookings(t, s, other, ""); len(got) != 0 {
			t.Fatalf("another citizen lists %v", ids(got))
		}
	})
}

// TestBookingRules: profile, slot, duplicate, cancel and reschedule rules,
// each with the seats checked afterwards.
func TestBookingRules(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Moscow", 4)
		c := newCitizen(t, s)

		t.Run("profile required", func(t *testing.T) {
			slot := freshSlot(t, s, d, 0, 2, nextStart())
			bare := bareCitizen(t, s)
			book(t, s, bare, slot.ID).problem(t, 422, "profile_incomplete")
			// A profile that fails validation is not saved either.
			call(t, s, http.MethodPut, "/me/profile", bare.tok, map[string]any{"lastName": "Иванов"}).problem(t, 400, "validation_failed")
			book(t, s, bare, slot.ID).problem(t, 422, "profile_incomplete")
			if booked(t, s, slot.ID) != 0 || guardExists(t, s, bare, d.svcs[0].ID) {
				t.Fatal("a refused booking took a seat or a guard")
			}
		})

		t.Run("unknown and malformed slots", func(t *testing.T) {
			for _, id := range []string{
				domain.NewSlotID(d.inst.ID, d.svcs[0].ID, nextStart()), // well-formed, no such slot
				domain.NewSlotID("inst-nope", d.svcs[0].ID, nextStart()),
				"not-a-slot", "%%%", strings.Repeat("x", 5000),
			} {
				book(t, s, c, id).problem(t, 404, "not_found")
			}
			p := book(t, s, c, "").problem(t, 400, "validation_failed")
			if !slices.Contains(fieldsOf(p), "slotId") {
				t.Fatalf("fields %v", fieldsOf(p))
			}
			if len(myBookings(t, s, c, "")) != 0 {
				t.Fatal("a refused booking was written")
			}
		})

		t.Run("past slot", func(t *testing.T) {
			past := storeSlot(t, s, d, 3, 5, time.Now().Add(-time.Hour).Truncate(time.Minute))
			book(t, s, c, past.ID).problem(t, 409, "slot_in_past")
			if booked(t, s, past.ID) != 0 || guardExists(t, s, c, d.svcs[3].ID) {
				t.Fatal("a past slot was booked")
			}
		})

		t.Run("duplicate, cancel, book again", func(t *testing.T) {
			first := freshSlot(t, s, d, 0, 2, nextStart())
			second := freshSlot(t, s, d, 0, 2, nextStart())
			b := mustBook(t, s, c, first.ID)
			book(t, s, c, second.ID).problem(t, 409, "duplicate_booking")
			book(t, s, c, first.ID).problem(t, 409, "duplicate_booking")
			if booked(t, s, second.ID) != 0 || booked(t, s, first.ID) != 1 {
				t.Fatal("a duplicate took a seat")
			}

			r := call(t, s, http.MethodPost, "/bookings/"+b.ID+"/cancel", c.tok, map[string]any{"reason": "Заболел"})
			r.ok(t, 200)
			cancelled := asBooking(t, r)
			if cancelled.Status != domain.StatusCancelled || len(cancelled.History) != 2 {
				t.Fatalf("after cancel %+v", cancelled)
			}
			h := lastHistory(t, cancelled)
			if h.Action != "cancelled" || h.Actor != "citizen" || h.Details["reason"] != "Заболел" || h.At.Before(cancelled.History[0].At) {
				t.Fatalf("cancel history %+v", h)
			}
			// The seat is free again at once, and the guard is gone.
			if got := freeSeats(t, s, d, first); got != 2 {
				t.Fatalf("free %d after cancel", got)
			}
			if booked(t, s, first.ID) != 0 || guardExists(t, s, c, d.svcs[0].ID) {
				t.Fatal("cancel left a seat or the guard")
			}
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/cancel", c.tok, nil).problem(t, 409, "invalid_state")
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", c.tok, map[string]any{"slotId": second.ID}).problem(t, 409, "invalid_state")
			if booked(t, s, first.ID) != 0 || booked(t, s, second.ID) != 0 {
				t.Fatal("a second cancel released another seat")
			}
			if got := myBookings(t, s, c, "cancelled"); len(got) != 1 || got[0].ID != b.ID {
				t.Fatalf("cancelled list %+v", got)
			}

			// The service can be booked again.
			again := mustBook(t, s, c, second.ID)
			if again.ID == b.ID || again.Code == b.Code {
				t.Fatal("a new booking reused the cancelled one's id or code")
			}
			if booked(t, s, second.ID) != 1 {
				t.Fatal("seat not taken")
			}
			if act := myBookings(t, s, c, "active"); len(act) != 1 || act[0].ID != again.ID {
				t.Fatalf("active list %+v", act)
			}
			// Cancelling without a body works too.
			call(t, s, http.MethodPost, "/bookings/"+again.ID+"/cancel", c.tok, nil).ok(t, 200)
			if booked(t, s, second.ID) != 0 {
				t.Fatal("seat not freed")
			}
		})

		t.Run("too late", func(t *testing.T) {
			// Two hours ahead, 24 h window: booking is allowed, changes are not.
			soon := freshSlot(t, s, d, 2, 2, time.Now().Add(2*time.Hour).Truncate(time.Minute))
			later := freshSlot(t, s, d, 2, 2, nextStart())
			u := newCitizen(t, s)
			r := book(t, s, u, soon.ID)
			r.ok(t, 201)
			b := asBooking(t, r)
			// Made inside the window: one hour for the documents.
			if want := b.CreatedAt.Add(time.Hour); b.DocumentsDeadline.Sub(want).Abs() > time.Second {
				t.Fatalf("documentsDeadline %s, want createdAt+1h %s", b.DocumentsDeadline, want)
			}
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/cancel", u.tok, nil).problem(t, 409, "too_late")
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": later.ID}).problem(t, 409, "too_late")
			if got := getBooking(t, s, u.tok, b.ID); got.Status != domain.StatusPending || got.Slot.ID != soon.ID || len(got.History) != 1 {
				t.Fatalf("after refused changes %+v", got)
			}
			if booked(t, s, soon.ID) != 1 || booked(t, s, later.ID) != 0 || !guardExists(t, s, u, d.svcs[2].ID) {
				t.Fatal("a refused change moved a seat or the guard")
			}
		})

		t.Run("reschedule", func(t *testing.T) {
			u := newCitizen(t, s)
			from := freshSlot(t, s, d, 1, 2, nextStart())
			to := freshSlot(t, s, d, 1, 2, nextStart())
			full := freshSlot(t, s, d, 1, 1, nextStart())
			otherSvc := freshSlot(t, s, d, 3, 2, nextStart())
			mustBook(t, s, newCitizen(t, s), full.ID) // someone took its only seat
			b := mustBook(t, s, u, from.ID)

			r := call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": to.ID})
			r.ok(t, 200)
			moved := asBooking(t, r)
			if moved.ID != b.ID || moved.Code != b.Code || moved.Status != domain.StatusPending || moved.Slot.ID != to.ID || !moved.Slot.Start.Equal(to.Start) {
				t.Fatalf("moved %+v", moved)
			}
			if !moved.DocumentsDeadline.Equal(to.Start.Add(-24 * time.Hour)) {
				t.Fatalf("documentsDeadline %s not moved with the slot", moved.DocumentsDeadline)
			}
			h := lastHistory(t, moved)
			if len(moved.History) != 2 || h.Action != "rescheduled" || h.Actor != "citizen" ||
				h.Details["from"] != from.ID || h.Details["to"] != to.ID ||
				h.Details["fromStart"] != from.Start.UTC().Format(time.RFC3339) || h.Details["toStart"] != to.Start.UTC().Format(time.RFC3339) {
				t.Fatalf("history %+v", moved.History)
			}
			if freeSeats(t, s, d, from) != 2 || freeSeats(t, s, d, to) != 1 || booked(t, s, from.ID) != 0 || booked(t, s, to.ID) != 1 {
				t.Fatal("seats not moved")
			}
			if got := getBooking(t, s, u.tok, b.ID); got.Slot.ID != to.ID || len(got.History) != 2 {
				t.Fatalf("GET after reschedule %+v", got)
			}
			if act := myBookings(t, s, u, "active"); len(act) != 1 || act[0].Slot.ID != to.ID {
				t.Fatalf("list after reschedule %+v", act)
			}

			// Another service's slot: 400 on slotId.
			p := call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": otherSvc.ID}).problem(t, 400, "validation_failed")
			if !slices.Contains(fieldsOf(p), "slotId") {
				t.Fatalf("fields %v", fieldsOf(p))
			}
			// The same slot: 400.
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": to.ID}).problem(t, 400, "validation_failed")
			// A full slot: 409, and the booking keeps its seat.
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": full.ID}).problem(t, 409, "slot_full")
			// An unknown slot: 404.
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": domain.NewSlotID(d.inst.ID, d.svcs[1].ID, nextStart())}).problem(t, 404, "not_found")
			// A past slot of the same service: 409.
			past := storeSlot(t, s, d, 1, 2, time.Now().Add(-2*time.Hour).Truncate(time.Minute))
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", u.tok, map[string]any{"slotId": past.ID}).problem(t, 409, "slot_in_past")

			if got := getBooking(t, s, u.tok, b.ID); got.Slot.ID != to.ID || len(got.History) != 2 {
				t.Fatalf("a refused reschedule changed the booking: %+v", got)
			}
			for sl, want := range map[string]int{from.ID: 0, to.ID: 1, full.ID: 1, otherSvc.ID: 0, past.ID: 0} {
				if got := booked(t, s, sl); got != want {
					t.Fatalf("slot %s booked %d, want %d", sl, got, want)
				}
			}
			// Cancelling the moved booking frees the seat it holds now.
			call(t, s, http.MethodPost, "/bookings/"+b.ID+"/cancel", u.tok, nil).ok(t, 200)
			if booked(t, s, to.ID) != 0 || booked(t, s, from.ID) != 0 || guardExists(t, s, u, d.svcs[1].ID) {
				t.Fatal("cancel after reschedule released the wrong seat or kept the guard")
			}
		})
	})
}

// TestBookingIdempotency: Idempotency-Key semantics of API.md.
func TestBookingIdempotency(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Moscow", 2)
		a, b := newCitizen(t, s), newCitizen(t, s)
		slot := freshSlot(t, s, d, 0, 5, nextStart())
		other := freshSlot(t, s, d, 0, 5, nextStart())
		key := "7f0c1f4e-" + uniq("key")

		r1 := book(t, s, a, slot.ID, "Idempotency-Key", key)
		r1.ok(t, 201)
		r2 := book(t, s, a, slot.ID, "Idempotency-Key", key)
		r2.ok(t, 201)
		b1, b2 := asBooking(t, r1), asBooking(t, r2)
		if b1.ID != b2.ID || b1.Code != b2.Code || r2.header.Get("Location") != "/bookings/"+b1.ID {
			t.Fatalf("replay gave %s (%s), first %s", b2.ID, r2.header.Get("Location"), b1.ID)
		}
		if booked(t, s, slot.ID) != 1 || len(myBookings(t, s, a, "")) != 1 {
			t.Fatal("a replay took a second seat or wrote a second booking")
		}

		// Same key, different body.
		book(t, s, a, other.ID, "Idempotency-Key", key).problem(t, 422, "idempotency_conflict")
		if booked(t, s, other.ID) != 0 {
			t.Fatal("a conflicting key booked")
		}

		// Keys are the caller's: B's identical key is B's own request.
		rb := book(t, s, b, slot.ID, "Idempotency-Key", key)
		rb.ok(t, 201)
		if bb := asBooking(t, rb); bb.ID == b1.ID {
			t.Fatal("citizen B got A's booking through A's key")
		}
		if booked(t, s, slot.ID) != 2 {
			t.Fatal("B's booking took no seat")
		}

		// A failed request does not burn its key.
		tight := freshSlot(t, s, d, 1, 1, nextStart())
		holder := newCitizen(t, s)
		hb := mustBook(t, s, holder, tight.ID)
		k2 := uniq("retry-key")
		book(t, s, a, tight.ID, "Idempotency-Key", k2).problem(t, 409, "slot_full")
		if rawItem(t, s, "IDEM#"+a.sub+"#"+k2, "IDEM") != nil {
			t.Fatal("a failed request left its idempotency record")
		}
		call(t, s, http.MethodPost, "/bookings/"+hb.ID+"/cancel", holder.tok, nil).ok(t, 200)
		retry := book(t, s, a, tight.ID, "Idempotency-Key", k2)
		retry.ok(t, 201)
		if asBooking(t, retry).Slot.ID != tight.ID || booked(t, s, tight.ID) != 1 {
			t.Fatal("the retry did not book")
		}

		// Reschedule with a key: a replay answers the same result and does
		// not move anything again.
		k3 := uniq("move-key")
		m1 := call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/reschedule", a.tok, map[string]any{"slotId": other.ID}, "Idempotency-Key", k3)
		m1.ok(t, 200)
		m2 := call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/reschedule", a.tok, map[string]any{"slotId": other.ID}, "Idempotency-Key", k3)
		m2.ok(t, 200)
		if x, y := asBooking(t, m1), asBooking(t, m2); x.ID != y.ID || y.Slot.ID != other.ID || len(y.History) != 2 {
			t.Fatalf("reschedule replay %+v", y)
		}
		if booked(t, s, slot.ID) != 1 || booked(t, s, other.ID) != 1 {
			t.Fatalf("seats after reschedule replay: %d, %d", booked(t, s, slot.ID), booked(t, s, other.ID))
		}
		// The key is bound to its body.
		call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/reschedule", a.tok, map[string]any{"slotId": slot.ID}, "Idempotency-Key", k3).problem(t, 422, "idempotency_conflict")
	})
}

// TestInstitutionDayList: GET /institutions/{id}/bookings?date= lists the
// day's bookings by the institution's local date, with the citizens' names.
func TestInstitutionDayList(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		// Kamchatka is UTC+12: a visit at 00:30 local is on the previous UTC day.
		d := newDesk(t, s, "Asia/Kamchatka", 1)
		day := slotBase.In(d.loc).AddDate(0, 0, 40)
		localDate := day.Format("2006-01-02")
		midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 30, 0, 0, d.loc)
		noon := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, d.loc)
		early := freshSlot(t, s, d, 0, 3, midnight)
		mid := freshSlot(t, s, d, 0, 3, noon)
		if early.Start.UTC().Format("2006-01-02") == localDate {
			t.Fatal("fixture: the early slot should be on the previous UTC date")
		}
		c1, c2, c3 := newCitizen(t, s), newCitizen(t, s), newCitizen(t, s)
		b1 := mustBook(t, s, c1, mid.ID)
		b2 := mustBook(t, s, c2, early.ID)
		b3 := mustBook(t, s, c3, mid.ID)
		call(t, s, http.MethodPost, "/bookings/"+b3.ID+"/cancel", c3.tok, nil).ok(t, 200)

		for _, tok := range []string{d.op, d.admin} {
			r := call(t, s, http.MethodGet, "/institutions/"+d.inst.ID+"/bookings?date="+localDate, tok, nil)
			r.ok(t, 200)
			var list bookingList
			r.decode(t, &list)
			names := map[string]string{}
			var order []string
			for _, b := range list.Items {
				names[b.ID] = b.CitizenName
				order = append(order, b.ID)
				if b.History != nil {
					t.Fatalf("day list carries history: %s", r.body)
				}
			}
			if names[b1.ID] != c1.name || names[b2.ID] != c2.name {
				t.Fatalf("day list names %v, want %s and %s", names, c1.name, c2.name)
			}
			if order[0] != b2.ID {
				t.Fatalf("day list not in start order: %v", order)
			}
		}
		// The previous and next local dates do not show them.
		for _, other := range []string{day.AddDate(0, 0, -1).Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02")} {
			r := call(t, s, http.MethodGet, "/institutions/"+d.inst.ID+"/bookings?date="+other, d.op, nil)
			r.ok(t, 200)
			var list bookingList
			r.decode(t, &list)
			if len(list.Items) != 0 {
				t.Fatalf("%s lists %d bookings of %s", other, len(list.Items), localDate)
			}
		}
		// The operator sees the booking itself, with the name.
		if got := getBooking(t, s, d.op, b1.ID); got.CitizenName != c1.name {
			t.Fatalf("operator's view %+v", got)
		}
		for _, bad := range []string{"2026-13-01", "tomorrow", "01.02.2026", "2026-1-1", "2026-02-30"} {
			call(t, s, http.MethodGet, "/institutions/"+d.inst.ID+"/bookings?date="+url.QueryEscape(bad), d.op, nil).problem(t, 400, "validation_failed")
		}
		call(t, s, http.MethodGet, "/institutions/inst-nope/bookings?date="+localDate, d.admin, nil).problem(t, 404, "not_found")
	})
}

// TestAttendance: POST /bookings/{id}/attendance by the institution's staff
// once the visit has started.
func TestAttendance(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Kaliningrad", 2)
		started := storeSlot(t, s, d, 0, 3, time.Now().Add(-10*time.Minute).Truncate(time.Minute))
		c1, c2 := newCitizen(t, s), newCitizen(t, s)
		b1 := storeBooking(t, s, d, started, c1, time.Now().Add(-72*time.Hour))
		b2 := storeBooking(t, s, d, started, c2, time.Now().Add(-72*time.Hour))

		r := call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/attendance", d.op, map[string]any{"status": "completed"})
		r.ok(t, 200)
		got := asBooking(t, r)
		h := lastHistory(t, got)
		if got.Status != domain.StatusCompleted || h.Action != "completed" || h.Actor != "operator" {
			t.Fatalf("after attendance %+v", got)
		}
		call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/attendance", d.op, map[string]any{"status": "no_show"}).problem(t, 409, "invalid_state")
		call(t, s, http.MethodPost, "/bookings/"+b1.ID+"/cancel", c1.tok, nil).problem(t, 409, "invalid_state")

		r = call(t, s, http.MethodPost, "/bookings/"+b2.ID+"/attendance", d.admin, map[string]any{"status": "no_show"})
		r.ok(t, 200)
		got = asBooking(t, r)
		if got.Status != domain.StatusNoShow || lastHistory(t, got).Actor != "admin" {
			t.Fatalf("after no_show %+v", got)
		}
		// The visits happened: the seats stay counted, the guards are gone.
		if booked(t, s, started.ID) != 2 || guardExists(t, s, c1, d.svcs[0].ID) || guardExists(t, s, c2, d.svcs[0].ID) {
			t.Fatal("attendance changed the seats or kept the guards")
		}
		if list := myBookings(t, s, c2, "completed"); len(list) != 1 || list[0].ID != b2.ID {
			t.Fatalf("completed list %+v", list)
		}
		for _, body := range []any{map[string]any{"status": "done"}, map[string]any{"status": ""}, map[string]any{}, `{"status":`, map[string]any{"status": 1}} {
			call(t, s, http.MethodPost, "/bookings/"+b2.ID+"/attendance", d.op, body).problem(t, 400, "validation_failed")
		}
		call(t, s, http.MethodPost, "/bookings/bk-nope/attendance", d.op, map[string]any{"status": "completed"}).problem(t, 404, "not_found")

		// Before the start the outcome cannot be recorded.
		future := freshSlot(t, s, d, 1, 2, nextStart())
		c3 := newCitizen(t, s)
		b3 := mustBook(t, s, c3, future.ID)
		call(t, s, http.MethodPost, "/bookings/"+b3.ID+"/attendance", d.op, map[string]any{"status": "completed"}).problem(t, 409, "invalid_state")

		// The same handler, once its clock has passed the start: a booking
		// made through the API is recorded as completed.
		shifted := *s.rn.App()
		shifted.Now = func() time.Time { return future.Start.Add(5 * time.Minute) }
		invoke := lambdaapi.Handler(httpapi.RecordAttendance(&shifted))
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "POST /bookings/{id}/attendance", RawPath: "/bookings/" + b3.ID + "/attendance",
			Headers:        map[string]string{"content-type": "application/json"},
			PathParameters: map[string]string{"id": b3.ID},
			Body:           `{"status":"completed"}`,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "POST /bookings/{id}/attendance", Stage: "$default", RequestID: "req-attendance",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/bookings/" + b3.ID + "/attendance"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{"sub": "op-shifted", "cognito:groups": "[operator]", "custom:institution_id": d.inst.ID},
				}},
			},
		}
		resp, err := invoke(context.Background(), ev)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("shifted attendance: %d %s %v", resp.StatusCode, resp.Body, err)
		}
		if got := getBooking(t, s, c3.tok, b3.ID); got.Status != domain.StatusCompleted {
			t.Fatalf("after shifted attendance %+v", got)
		}
		// Another institution's operator, at the same shifted time: 403.
		ev.RequestContext.Authorizer.JWT.Claims["custom:institution_id"] = "inst-mfc-msk-tverskoy"
		b4 := mustBook(t, s, newCitizen(t, s), future.ID)
		ev.PathParameters["id"] = b4.ID
		if resp, err := invoke(context.Background(), ev); err != nil || resp.StatusCode != 403 {
			t.Fatalf("other operator: %d %s %v", resp.StatusCode, resp.Body, err)
		}
	})
}

// badCase is one malformed request: the answer it must get.
type badCase struct {
	name    string
	method  string
	path    string
	body    any
	headers []string
	status  int
	code    string
	field   string // a field that must be named, "" for none
}

// TestBookingBadInput: malformed requests get the documented 4xx, never a
// 500, and write nothing: no booking, guard, code, history, idempotency
// record or seat change (the table's item count is unchanged).
func TestBookingBadInput(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Moscow", 2)
		c := newCitizen(t, s)
		holder := newCitizen(t, s)
		slot := freshSlot(t, s, d, 0, 2, nextStart())
		held := freshSlot(t, s, d, 1, 2, nextStart())
		target := freshSlot(t, s, d, 1, 2, nextStart())
		hb := mustBook(t, s, holder, held.ID)
		past := storeSlot(t, s, d, 0, 2, time.Now().Add(-3*time.Hour).Truncate(time.Minute))
		date := domain.LocalDate(slot.Start, d.loc)
		huge := `{"slotId":"` + strings.Repeat("x", 2<<20) + `"}`
		key := "k-" + uniq("bad")
		slotsPath := func(q string) string {
			return "/institutions/" + d.inst.ID + "/slots?serviceId=" + d.svcs[0].ID + "&" + q
		}

		cases := []badCase{
			{"malformed JSON", "POST", "/bookings", `{"slotId": "` + slot.ID + `"`, nil, 400, "validation_failed", ""},
			{"slotId a number", "POST", "/bookings", `{"slotId": 123}`, nil, 400, "validation_failed", "slotId"},
			{"slotId an object", "POST", "/bookings", `{"slotId": {"id": "x"}}`, nil, 400, "validation_failed", "slotId"},
			{"unknown field", "POST", "/bookings", map[string]any{"slotId": slot.ID, "seats": 2}, nil, 400, "validation_failed", "seats"},
			{"empty body", "POST", "/bookings", "", nil, 400, "validation_failed", ""},
			{"whitespace body", "POST", "/bookings", "  \n ", nil, 400, "validation_failed", ""},
			{"null body", "POST", "/bookings", "null", nil, 400, "validation_failed", "slotId"},
			{"array body", "POST", "/bookings", `[{"slotId":"` + slot.ID + `"}]`, nil, 400, "validation_failed", ""},
			{"two JSON values", "POST", "/bookings", `{"slotId":"` + slot.ID + `"}{"slotId":"` + slot.ID + `"}`, nil, 400, "validation_failed", ""},
			{"blank slotId", "POST", "/bookings", map[string]any{"slotId": "   "}, nil, 400, "validation_failed", "slotId"},
			{"2 MiB body", "POST", "/bookings", huge, nil, 413, "payload_too_large", ""},
			{"unknown slot", "POST", "/bookings", map[string]any{"slotId": domain.NewSlotID(d.inst.ID, d.svcs[0].ID, nextStart())}, nil, 404, "not_found", ""},
			{"malformed slot id", "POST", "/bookings", map[string]any{"slotId": "../../etc/passwd"}, nil, 404, "not_found", ""},
			{"past slot", "POST", "/bookings", map[string]any{"slotId": past.ID}, nil, 409, "slot_in_past", ""},
			{"text/plain", "POST", "/bookings", "slotId=" + slot.ID, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", ""},
			{"Idempotency-Key with spaces", "POST", "/bookings", map[string]any{"slotId": slot.ID}, []string{"Idempotency-Key", "my key 1"}, 400, "validation_failed", "Idempotency-Key"},
			{"Idempotency-Key of 256 chars", "POST", "/bookings", map[string]any{"slotId": slot.ID}, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, "validation_failed", "Idempotency-Key"},
			{"Idempotency-Key not ASCII", "POST", "/bookings", map[string]any{"slotId": slot.ID}, []string{"Idempotency-Key", "ключ"}, 400, "validation_failed", "Idempotency-Key"},
			{"bad key on reschedule", "POST", "/bookings/" + hb.ID + "/reschedule", map[string]any{"slotId": target.ID}, []string{"Idempotency-Key", "a b"}, 400, "validation_failed", "Idempotency-Key"},
			{"reschedule malformed", "POST", "/bookings/" + hb.ID + "/reschedule", `{"slotId":`, nil, 400, "validation_failed", ""},
			{"reschedule wrong type", "POST", "/bookings/" + hb.ID + "/reschedule", `{"slotId": true}`, nil, 400, "validation_failed", "slotId"},
			{"reschedule empty body", "POST", "/bookings/" + hb.ID + "/reschedule", "", nil, 400, "validation_failed", ""},
			{"reschedule 2 MiB", "POST", "/bookings/" + hb.ID + "/reschedule", huge, nil, 413, "payload_too_large", ""},
			{"cancel malformed", "POST", "/bookings/" + hb.ID + "/cancel", `{"reason":`, nil, 400, "validation_failed", ""},
			{"cancel unknown field", "POST", "/bookings/" + hb.ID + "/cancel", map[string]any{"why": "x"}, nil, 400, "validation_failed", "why"},
			{"cancel reason a number", "POST", "/bookings/" + hb.ID + "/cancel", `{"reason": 5}`, nil, 400, "validation_failed", "reason"},
			{"cancel reason too long", "POST", "/bookings/" + hb.ID + "/cancel", map[string]any{"reason": strings.Repeat("я", 501)}, nil, 400, "validation_failed", "reason"},
			{"cancel 2 MiB", "POST", "/bookings/" + hb.ID + "/cancel", huge, nil, 413, "payload_too_large", ""},
			{"slots to < from", "GET", slotsPath("from=" + date + "&to=" + domain.LocalDate(slot.Start.AddDate(0, 0, -1), d.loc)), nil, nil, 400, "validation_failed", "to"},
			{"slots range 63 days", "GET", slotsPath("from=" + date + "&to=" + domain.LocalDate(slot.Start.AddDate(0, 0, 62), d.loc)), nil, nil, 400, "validation_failed", "to"},
			{"slots bad from", "GET", slotsPath("from=01.01.2027&to=" + date), nil, nil, 400, "validation_failed", "from"},
			{"list bad limit", "GET", "/bookings?limit=1000", nil, nil, 400, "validation_failed", "limit"},
		}
		// The holder's requests act on the holder's booking.
		asHolder := map[string]bool{}
		for _, tc := range cases {
			if strings.Contains(tc.path, hb.ID) {
				asHolder[tc.name] = true
			}
		}

		// A 62-day range is the limit itself: it is fine.
		call(t, s, http.MethodGet, slotsPath("from="+date+"&to="+domain.LocalDate(slot.Start.AddDate(0, 0, 61), d.loc)), "", nil).ok(t, 200)

		itemsBefore := tableCount(t, s)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				who := c
				if asHolder[tc.name] {
					who = holder
				}
				headers := append([]string{}, tc.headers...)
				if !slices.Contains(headers, "Idempotency-Key") {
					headers = append(headers, "Idempotency-Key", key)
				}
				r := call(t, s, tc.method, tc.path, who.tok, tc.body, headers...)
				if r.status >= 500 {
					t.Fatalf("%d: %s", r.status, r.body)
				}
				p := r.problem(t, tc.status, tc.code)
				if tc.field != "" && !slices.Contains(fieldsOf(p), tc.field) {
					t.Fatalf("fields %v lack %s", fieldsOf(p), tc.field)
				}
			})
		}
		// Nothing was written by any of them.
		if after := tableCount(t, s); after != itemsBefore {
			t.Fatalf("the table went from %d to %d items", itemsBefore, after)
		}
		if booked(t, s, slot.ID) != 0 || booked(t, s, held.ID) != 1 || booked(t, s, target.ID) != 0 || booked(t, s, past.ID) != 0 {
			t.Fatal("seats changed")
		}
		if len(myBookings(t, s, c, "")) != 0 || guardExists(t, s, c, d.svcs[0].ID) ||
			rawItem(t, s, "IDEM#"+c.sub+"#"+key, "IDEM") != nil || rawItem(t, s, "IDEM#"+holder.sub+"#"+key, "IDEM") != nil {
			t.Fatal("a booking, guard or idempotency record was written")
		}
		if got := getBooking(t, s, holder.tok, hb.ID); got.Status != domain.StatusPending || got.Slot.ID != held.ID || len(got.History) != 1 {
			t.Fatalf("the held booking changed: %+v", got)
		}
		// And the same citizen can still book with that key.
		r := book(t, s, c, slot.ID, "Idempotency-Key", key)
		r.ok(t, 201)
	})
}

// endpoint is one operation of issue 3 for the authorization matrix.
type endpoint struct {
	name string
	// do sends the request as tok in world w.
	do func(t *testing.T, s stack, w *authWorld, tok string) response
	// want maps a caller to the expected status.
	want map[string]int
	// mutates says that a success changes A's bookings: such cells run in
	// a fresh world of their own.
	mutates bool
}

// authWorld is what a matrix cell acts on: an owner A with a booking and a
// booking whose slot has started, a citizen B with a profile and no
// bookings, and the slots to act with.
type authWorld struct {
	d        desk
	a, b     citizen
	booking  domain.Booking // A's, on service 0
	started  domain.Booking // A's, on service 1, slot already started
	bookSlot domain.Slot    // the slot of booking
	newSlot  domain.Slot    // service 2, for POST /bookings
	moveTo   domain.Slot    // service 0, for reschedule
	schedSvc string         // service 3, for the schedule endpoints
}

const (
	callerNone    = "no token"
	callerA       = "citizen A (owner)"
	callerB       = "citizen B"
	callerOwnOp   = "operator of the institution"
	callerOtherOp = "operator of another institution"
	callerAdmin   = "admin"
)

var callers = []string{callerNone, callerA, callerB, callerOwnOp, callerOtherOp, callerAdmin}

// TestBookingAuthorization is the authorization matrix of issue 3: every
// endpoint × {no token, citizen A, citizen B, operator of the booking's
// institution, operator of another institution, admin}. A refused call must
// change nothing (A's bookings and the seat are checked after each); a
// successful call that changes A's bookings runs in a fresh world.
func TestBookingAuthorization(t *testing.T) {
	cit := func(ok int) map[string]int { // citizen-only, the caller's own data
		return map[string]int{callerNone: 401, callerA: ok, callerB: ok, callerOwnOp: 403, callerOtherOp: 403, callerAdmin: 403}
	}
	ownBooking := func(ok int) map[string]int { // citizen-only, A's booking
		return map[string]int{callerNone: 401, callerA: ok, callerB: 404, callerOwnOp: 403, callerOtherOp: 403, callerAdmin: 403}
	}
	staff := func(ok int) map[string]int { // the institution's staff
		return map[string]int{callerNone: 401, callerA: 403, callerB: 403, callerOwnOp: ok, callerOtherOp: 403, callerAdmin: ok}
	}
	req := func(method string, path func(w *authWorld) string, body func(w *authWorld) any) func(*testing.T, stack, *authWorld, string) response {
		return func(t *testing.T, s stack, w *authWorld, tok string) response {
			var b any
			if body != nil {
				b = body(w)
			}
			return call(t, s, method, path(w), tok, b)
		}
	}
	fixed := func(p string) func(*authWorld) string { return func(*authWorld) string { return p } }
	endpoints := []endpoint{
		{"GET /me/profile", req("GET", fixed("/me/profile"), nil), cit(200), false},
		{"PUT /me/profile", req("PUT", fixed("/me/profile"), func(w *authWorld) any { return profileBody(7) }), cit(200), false},
		{"POST /bookings", req("POST", fixed("/bookings"), func(w *authWorld) any { return map[string]any{"slotId": w.newSlot.ID} }), cit(201), false},
		{"GET /bookings", req("GET", fixed("/bookings"), nil), cit(200), false},
		{"GET /bookings/{id}", req("GET", func(w *authWorld) string { return "/bookings/" + w.booking.ID }, nil),
			map[string]int{callerNone: 401, callerA: 200, callerB: 404, callerOwnOp: 200, callerOtherOp: 404, callerAdmin: 200}, false},
		{"POST /bookings/{id}/cancel", req("POST", func(w *authWorld) string { return "/bookings/" + w.booking.ID + "/cancel" },
			func(*authWorld) any { return map[string]any{} }), ownBooking(200), true},
		{"POST /bookings/{id}/reschedule", req("POST", func(w *authWorld) string { return "/bookings/" + w.booking.ID + "/reschedule" },
			func(w *authWorld) any { return map[string]any{"slotId": w.moveTo.ID} }), ownBooking(200), true},
		{"GET /institutions/{id}/bookings", req("GET", func(w *authWorld) string {
			return "/institutions/" + w.d.inst.ID + "/bookings?date=" + domain.LocalDate(w.booking.Slot.Start, w.d.loc)
		}, nil), staff(200), false},
		{"POST /bookings/{id}/attendance", req("POST", func(w *authWorld) string { return "/bookings/" + w.started.ID + "/attendance" },
			func(*authWorld) any { return map[string]any{"status": "completed"} }), staff(200), true},
		{"POST /institutions/{id}/slots", req("POST", func(w *authWorld) string { return "/institutions/" + w.d.inst.ID + "/slots" }, func(w *authWorld) any {
			st := nextStart()
			return map[string]any{"slots": []map[string]any{{"serviceId": w.schedSvc, "start": st.Format(time.RFC3339), "end": st.Add(slotLength).Format(time.RFC3339), "capacity": 2}}}
		}), staff(201), false},
		{"PUT /institutions/{id}/schedule", req("PUT", func(w *authWorld) string { return "/institutions/" + w.d.inst.ID + "/schedule" },
			func(w *authWorld) any { return scheduleBody(w.schedSvc) }), staff(200), false},
		{"POST /institutions/{id}/slots/generate", req("POST", func(w *authWorld) string { return "/institutions/" + w.d.inst.ID + "/slots/generate" }, func(w *authWorld) any {
			day := slotBase.AddDate(0, 0, 300+int(fixtureSeq.Add(1))).In(w.d.loc).Format("2006-01-02")
			return map[string]any{"serviceId": w.schedSvc, "from": day, "to": day}
		}), staff(201), false},
	}
	for _, e := range endpoints {
		if len(e.want) != len(callers) {
			t.Fatalf("%s: matrix row has %d cells", e.name, len(e.want))
		}
	}

	eachStack(t, func(t *testing.T, s stack) {
		d := newDesk(t, s, "Europe/Moscow", 4)
		// The plan the generate cells cut into slots.
		call(t, s, http.MethodPut, "/institutions/"+d.inst.ID+"/schedule", d.admin, scheduleBody(d.svcs[3].ID)).ok(t, 200)
		otherOp := token(t, s, uniq("op-other"), "inst-mfc-msk-tverskoy", "operator")
		bookSlot := freshSlot(t, s, d, 0, 10, nextStart())
		moveTo := freshSlot(t, s, d, 0, 10, nextStart())
		newSlot := freshSlot(t, s, d, 2, 10, nextStart())
		started := storeSlot(t, s, d, 1, 10, time.Now().Add(-5*time.Minute).Truncate(time.Minute))
		world := func() *authWorld {
			w := &authWorld{d: d, a: newCitizen(t, s), b: newCitizen(t, s), bookSlot: bookSlot, newSlot: newSlot, moveTo: moveTo, schedSvc: d.svcs[3].ID}
			w.booking = mustBook(t, s, w.a, bookSlot.ID)
			w.started = storeBooking(t, s, d, started, w.a, time.Now().Add(-48*time.Hour))
			return w
		}
		shared := world()
		tokenOf := func(who string, w *authWorld) string {
			return map[string]string{callerNone: "", callerA: w.a.tok, callerB: w.b.tok, callerOwnOp: d.op, callerOtherOp: otherOp, callerAdmin: d.admin}[who]
		}

		for _, e := range endpoints {
			for _, who := range callers {
				t.Run(e.name+"/"+who, func(t *testing.T) {
					want := e.want[who]
					w := shared
					if want < 400 && e.mutates {
						w = world()
					}
					bookedBefore := booked(t, s, bookSlot.ID)
					r := e.do(t, s, w, tokenOf(who, w))
					if want >= 400 {
						code := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}[want]
						r.problem(t, want, code)
						// A refused call changed nothing of A's.
						if got := getBooking(t, s, w.a.tok, w.booking.ID); got.Status != domain.StatusPending || got.Slot.ID != bookSlot.ID || len(got.History) != 1 {
							t.Fatalf("refused call changed the booking: %+v", got)
						}
						if st := getBooking(t, s, w.a.tok, w.started.ID); st.Status != domain.StatusPending || len(st.History) != 1 {
							t.Fatalf("refused call changed the started booking: %+v", st)
						}
						if booked(t, s, bookSlot.ID) != bookedBefore {
							t.Fatal("refused call moved a seat")
						}
						return
					}
					r.ok(t, want)
					switch e.name {
					case "GET /bookings/{id}":
						// Staff see the citizen's name; the citizen gets none.
						got := asBooking(t, r)
						if got.ID != w.booking.ID || (who == callerA) != (got.CitizenName == "") {
							t.Fatalf("%s sees %s with citizenName %q", who, got.ID, got.CitizenName)
						}
					case "GET /bookings":
						var list bookingList
						r.decode(t, &list)
						mine := slices.ContainsFunc(list.Items, func(b domain.Booking) bool { return b.ID == w.booking.ID })
						if mine != (who == callerA) {
							t.Fatalf("%s's list has A's booking: %v", who, mine)
						}
					case "GET /me/profile":
						var p domain.Profile
						r.decode(t, &p)
						if p.SNILS == "" {
							t.Fatalf("profile %s", r.body)
						}
					case "GET /institutions/{id}/bookings":
						if !strings.Contains(string(r.body), w.booking.ID) || !strings.Contains(string(r.body), w.a.name) {
							t.Fatalf("day list lacks A's booking or name: %.300s", r.body)
						}
					}
				})
			}
		}
	})
}

// scheduleBody is a working plan for PUT /institutions/{id}/schedule.
func scheduleBody(serviceID string) map[string]any {
	weekday := []map[string]string{{"from": "09:00", "to": "10:00"}}
	return map[string]any{
		"serviceId": serviceID, "slotMinutes": 30, "capacity": 2,
		"weekly":      map[string]any{"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday, "fri": weekday, "sat": weekday},
		"closedDates": []string{},
	}
}
