package store_test

import (
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// TestDocumentLifecycle follows one upload from issued to accepted, and a
// replacement, through the transactions the API and the worker use.
func TestDocumentLifecycle(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now().UTC().Truncate(time.Second)
		svc, inst, sl := fixture(t, st, 2, now.Add(72*time.Hour).Truncate(time.Minute))
		b := newBooking(t, uniq("cit"), svc, inst, sl, now)
		if err := st.CreateBooking(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
		d := domain.Document{ID: store.NewDocumentID(), BookingID: b.ID, Type: "photo", FileName: "photo.jpg",
			ContentType: "image/jpeg", Size: 1000, ObjectKey: "documents/" + b.ID + "/x", Status: domain.DocIssued, CreatedAt: now}
		if err := st.PutDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := st.PutDocument(ctx, d); err == nil {
			t.Fatal("the same document id was put twice")
		}

		// Submit: the booking's entry shows it, history records it.
		b, _ = st.GetBooking(ctx, b.ID)
		sub := d
		sub.Status, sub.SubmittedAt = domain.DocUploaded, now
		if err := st.UpdateDocument(ctx, b, sub, domain.DocIssued, &domain.HistoryEntry{At: now, Action: domain.ActionDocumentSubmitted, Actor: domain.ActorCitizen}); err != nil {
			t.Fatal(err)
		}
		// A second submit from the same read loses: the document moved.
		if err := st.UpdateDocument(ctx, b, sub, domain.DocIssued, nil); !store.IsDocumentChanged(err) {
			t.Fatalf("stale document update: %v, want IsDocumentChanged", err)
		}
		got, err := st.GetBooking(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e, _ := got.RequiredDocument("photo"); e.Status != domain.DocUploaded || e.DocumentID != d.ID {
			t.Fatalf("entry = %+v", e)
		}
		if len(got.Documents) != 1 || got.Documents[0].Status != domain.DocUploaded || len(got.History) != 2 {
			t.Fatalf("documents %+v, history %d", got.Documents, len(got.History))
		}
		// A stale booking version loses even when the document matches.
		acc := sub
		acc.Status, acc.CheckedAt = domain.DocAccepted, now
		if err := st.UpdateDocument(ctx, b, acc, domain.DocUploaded, nil); !store.IsStale(err) {
			t.Fatalf("stale booking: %v, want IsStale", err)
		}
		if err := st.UpdateDocument(ctx, got, acc, domain.DocUploaded, nil); err != nil {
			t.Fatal(err)
		}
		got, _ = st.GetBooking(ctx, b.ID)
		if !got.ReadyToConfirm() {
			t.Fatalf("all mandatory documents accepted but not ready: %+v", got.RequiredDocuments)
		}

		// A replacement shows instead, and the first upload stays.
		d2 := d
		d2.ID, d2.CreatedAt = store.NewDocumentID(), now.Add(time.Second)
		if err := st.PutDocument(ctx, d2); err != nil {
			t.Fatal(err)
		}
		d2.Status = domain.DocUploaded
		if err := st.UpdateDocument(ctx, got, d2, domain.DocIssued, nil); err != nil {
			t.Fatal(err)
		}
		got, _ = st.GetBooking(ctx, b.ID)
		if e, _ := got.RequiredDocument("photo"); e.DocumentID != d2.ID || got.ReadyToConfirm() || len(got.Documents) != 2 || got.Documents[0].ID != d.ID {
			t.Fatalf("after replacement: entry %+v, %d documents", e, len(got.Documents))
		}
	})
}

// TestDueMarkers checks that markers follow the booking: written on
// create, moved on reschedule, cleared by the ticket and on cancel, and
// found by hour-bucket queries that read only what is due.
func TestDueMarkers(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now().UTC().Truncate(time.Second)
		start := now.Add(72 * time.Hour).Truncate(time.Minute)
		svc, inst, sl := fixture(t, st, 2, start)
		b := newBooking(t, uniq("cit"), svc, inst, sl, now)
		if err := st.CreateBooking(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
		find := func(kind domain.DueKind, at time.Time) bool {
			t.Helper()
			due, scan, err := st.DueBetween(ctx, kind, at.Add(-time.Minute), at.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if scan.ItemsRead != len(due) {
				t.Errorf("read %d items for %d due", scan.ItemsRead, len(due))
			}
			for _, d := range due {
				if d.BookingID == b.ID {
					return true
				}
			}
			return false
		}
		deadline := b.DocumentsDeadline
		for _, c := range []struct {
			kind domain.DueKind
			at   time.Time
		}{{domain.DueExpire, deadline}, {domain.DueRemind24h, start.Add(-24 * time.Hour)}, {domain.DueRemind1h, start.Add(-time.Hour)}} {
			if !find(c.kind, c.at) {
				t.Fatalf("no %s marker at %s", c.kind, c.at)
			}
		}
		// The window is (after, upTo]: a marker exactly at after is not in it.
		due, _, err := st.DueBetween(ctx, domain.DueExpire, deadline, deadline.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range due {
			if d.BookingID == b.ID {
				t.Fatal("marker at the window's open end was returned")
			}
		}

		// Reschedule moves every marker.
		later := domain.SlotSpec{ServiceID: svc.ID, Start: start.Add(48 * time.Hour), End: start.Add(48*time.Hour + 15*time.Minute), Capacity: 1}.Slot(inst.ID)
		if _, err := st.CreateSlot(ctx, later); err != nil {
			t.Fatal(err)
		}
		newDeadline := domain.DocumentsDeadline(later.Start, now, b.CancelBeforeHours)
		if err := st.RescheduleBooking(ctx, b, later, newDeadline, domain.HistoryEntry{At: now, Action: domain.ActionRescheduled, Actor: domain.ActorCitizen}, nil); err != nil {
			t.Fatal(err)
		}
		if find(domain.DueRemind1h, start.Add(-time.Hour)) || !find(domain.DueRemind1h, later.Start.Add(-time.Hour)) || !find(domain.DueExpire, newDeadline) {
			t.Fatal("markers did not move with the booking")
		}

		// ClearDue only deletes the marker it was given.
		stale := store.Due{BookingID: b.ID, Kind: domain.DueExpire, At: deadline}
		if ok, err := st.ClearDue(ctx, stale); ok || err != nil {
			t.Fatalf("cleared a rewritten marker: %v %v", ok, err)
		}

		// The ticket confirms the booking and drops the deadline, not the reminders.
		b, _ = st.GetBooking(ctx, b.ID)
		tk := domain.Ticket{Key: "tickets/" + b.ID + "/" + b.Slot.ID + ".pdf", SlotID: b.Slot.ID, IssuedAt: now}
		if err := st.SetTicket(ctx, b, tk, domain.HistoryEntry{At: now, Action: domain.ActionConfirmed, Actor: domain.ActorSystem}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicket(ctx, b, tk, domain.HistoryEntry{At: now, Action: domain.ActionConfirmed, Actor: domain.ActorSystem}); !store.IsStale(err) {
			t.Fatalf("second ticket from the same read: %v, want IsStale", err)
		}
		got, _ := st.GetBooking(ctx, b.ID)
		if cur, ok := got.CurrentTicket(); got.Status != domain.StatusConfirmed || !ok || cur.Key != tk.Key {
			t.Fatalf("after ticket: %s %+v", got.Status, got.Ticket)
		}
		if find(domain.DueExpire, newDeadline) || !find(domain.DueRemind24h, later.Start.Add(-24*time.Hour)) {
			t.Fatal("ticket should clear the deadline and keep the reminders")
		}

		// Cancel clears the rest.
		if err := st.EndBooking(ctx, got, domain.StatusCancelled, domain.HistoryEntry{At: now, Action: domain.ActionCancelled, Actor: domain.ActorCitizen}); err != nil {
			t.Fatal(err)
		}
		if find(domain.DueRemind24h, later.Start.Add(-24*time.Hour)) || find(domain.DueRemind1h, later.Start.Add(-time.Hour)) {
			t.Fatal("cancelled booking kept its reminders")
		}
	})
}
