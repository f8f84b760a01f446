package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// stores returns a Store on every backend: the embedded emulators always,
// moto_server when installed. The same suite runs on each.
func stores(t *testing.T) map[string]*store.Store {
	t.Helper()
	tpl, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Resources(template.LocalNames)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.Store{}
	for _, b := range testenv.Backends(t, res) {
		out[b.Name] = store.New(awsconf.DynamoDB(b.Config), b.Provisioned.TableNames["DataTable"])
	}
	return out
}

// suite runs f on every backend as parallel subtests.
func suite(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Helper()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, st)
		})
	}
}

var seq atomic.Int64

// uniq makes ids unique across the tests sharing a backend.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

var ctx = context.Background()

func fixture(t *testing.T, st *store.Store, capacity int, start time.Time) (domain.Service, domain.Institution, domain.Slot) {
	t.Helper()
	svc := domain.Service{ID: uniq("svc"), Name: "Оформление паспорта", Category: domain.CategoryDocuments, Department: "МВД",
		DurationMinutes: 15, CancelBeforeHours: 24,
		RequiredDocuments: []domain.RequiredDocument{{Type: "photo", Name: "Фотография", Mandatory: true}}}
	inst := domain.Institution{ID: uniq("inst"), Name: "МФЦ", Kind: domain.KindMFC, Region: "Москва", Locality: "Москва",
		Address: "ул. Тверская, 1", Timezone: "Asia/Kamchatka", ServiceIDs: []string{svc.ID}}
	if err := st.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateInstitution(ctx, inst); err != nil {
		t.Fatal(err)
	}
	spec := domain.SlotSpec{ServiceID: svc.ID, Start: start, End: start.Add(15 * time.Minute), Capacity: capacity}
	sl := spec.Slot(inst.ID)
	created, err := st.CreateSlot(ctx, sl)
	if err != nil || !created {
		t.Fatalf("create slot: %v %v", created, err)
	}
	return svc, inst, sl
}

func newBooking(t *testing.T, citizen string, svc domain.Service, inst domain.Institution, sl domain.Slot, now time.Time) domain.Booking {
	t.Helper()
	b, err := domain.NewBooking(store.NewBookingID(), domain.NewCode(), citizen, "Иванов Иван", svc, inst, sl, now)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCatalogRoundTrip(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		svc := domain.Service{ID: uniq("svc"), Name: "Без документов", Category: domain.CategoryTaxes, Department: "ФНС", DurationMinutes: 10, CancelBeforeHours: 24}
		if err := st.CreateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateService(ctx, svc); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("second create: %v", err)
		}
		got, err := st.GetService(ctx, svc.ID)
		if err != nil {
			t.Fatal(err)
		}
		// No documents comes back as an empty list, not null.
		if got.Name != svc.Name || got.RequiredDocuments == nil || len(got.RequiredDocuments) != 0 {
			t.Fatalf("got %+v", got)
		}
		if _, err := st.GetService(ctx, "svc-missing"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		inst := domain.Institution{ID: uniq("inst"), Name: "ИФНС", Kind: domain.KindTax, Timezone: "Europe/Moscow",
			WorkHours: domain.Weekly{"mon": {{From: "09:00", To: "18:00"}}}, ServiceIDs: []string{svc.ID}}
		if err := st.CreateInstitution(ctx, inst); err != nil {
			t.Fatal(err)
		}
		gotIn, err := st.GetInstitution(ctx, inst.ID)
		if err != nil || gotIn.WorkHours["mon"][0].To != "18:00" || gotIn.ServiceIDs[0] != svc.ID {
			t.Fatalf("institution %+v %v", gotIn, err)
		}
		list, err := st.ListServices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range list {
			found = found || s.ID == svc.ID
		}
		if !found {
			t.Fatal("listed services lack the new one")
		}
	})
}

func TestSlotsAreIdempotentAndRangeQueried(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		svc, inst, sl := fixture(t, st, 3, start)
		again, err := st.CreateSlot(ctx, sl)
		if err != nil || again {
			t.Fatalf("second create: %v %v", again, err)
		}
		var more []domain.Slot
		for i := 1; i <= 4; i++ {
			s := domain.SlotSpec{ServiceID: svc.ID, Start: start.Add(time.Duration(i) * 15 * time.Minute), End: start.Add(time.Duration(i+1) * 15 * time.Minute), Capacity: 2}
			more = append(more, s.Slot(inst.ID))
		}
		n, err := st.EnsureSlots(ctx, append(more, sl))
		if err != nil || n != 4 {
			t.Fatalf("ensure wrote %d: %v", n, err)
		}
		n, err = st.EnsureSlots(ctx, append(more, sl))
		if err != nil || n != 0 {
			t.Fatalf("second ensure wrote %d: %v", n, err)
		}
		// [start+15m, start+45m) holds exactly two slots.
		got, err := st.ListSlots(ctx, inst.ID, svc.ID, start.Add(15*time.Minute), start.Add(45*time.Minute))
		if err != nil || len(got) != 2 || !got[0].Start.Equal(start.Add(15*time.Minute)) {
			t.Fatalf("range: %d %v", len(got), err)
		}
		one, err := st.GetSlot(ctx, sl.ID)
		if err != nil || one.Capacity != 3 || one.Free() != 3 {
			t.Fatalf("slot %+v %v", one, err)
		}
		if _, err := st.GetSlot(ctx, "garbage"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("garbage id: %v", err)
		}
	})
}

func TestBookingTransaction(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		svc, inst, sl := fixture(t, st, 1, now.Add(72*time.Hour).Truncate(time.Minute))
		citizen := uniq("cit")
		b := newBooking(t, citizen, svc, inst, sl, now)
		if err := st.CreateBooking(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetBooking(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CitizenID != citizen || got.Code != b.Code || got.Status != domain.StatusPending || len(got.History) != 1 ||
			got.RequiredDocuments[0].Status != domain.DocMissing || !got.Slot.Start.Equal(sl.Start) {
			t.Fatalf("read back %+v", got)
		}
		if id, err := st.BookingIDByCode(ctx, b.Code); err != nil || id != b.ID {
			t.Fatalf("by code: %q %v", id, err)
		}
		slot, _ := st.GetSlot(ctx, sl.ID)
		if slot.Booked != 1 {
			t.Fatalf("booked %d", slot.Booked)
		}

		// The slot is full: another citizen gets slot_full and nothing is written.
		other := newBooking(t, uniq("cit"), svc, inst, sl, now)
		if err := st.CreateBooking(ctx, other, nil); !errors.Is(err, domain.ErrSlotFull) {
			t.Fatalf("full slot: %v", err)
		}
		if _, err := st.GetBooking(ctx, other.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("loser left a booking: %v", err)
		}

		// The same citizen and service: duplicate_booking (seat free again first).
		sl2 := domain.SlotSpec{ServiceID: svc.ID, Start: sl.Start.Add(time.Hour), End: sl.End.Add(time.Hour), Capacity: 5}.Slot(inst.ID)
		if _, err := st.CreateSlot(ctx, sl2); err != nil {
			t.Fatal(err)
		}
		dup := newBooking(t, citizen, svc, inst, sl2, now)
		if err := st.CreateBooking(ctx, dup, nil); !errors.Is(err, domain.ErrDuplicateBooking) {
			t.Fatalf("duplicate: %v", err)
		}
		if s2, _ := st.GetSlot(ctx, sl2.ID); s2.Booked != 0 {
			t.Fatalf("duplicate took a seat: %d", s2.Booked)
		}

		// Reschedule moves the seat.
		h := domain.HistoryEntry{At: now, Action: domain.ActionRescheduled, Actor: domain.ActorCitizen}
		if err := st.RescheduleBooking(ctx, got, sl2, domain.DocumentsDeadline(sl2.Start, now, 24), h, nil); err != nil {
			t.Fatal(err)
		}
		if s1, _ := st.GetSlot(ctx, sl.ID); s1.Booked != 0 {
			t.Fatalf("old seat not freed: %d", s1.Booked)
		}
		if s2, _ := st.GetSlot(ctx, sl2.ID); s2.Booked != 1 {
			t.Fatalf("new seat not taken: %d", s2.Booked)
		}
		// A write from a stale read loses.
		if err := st.EndBooking(ctx, got, domain.StatusCancelled, h); !store.IsStale(err) {
			t.Fatalf("stale cancel: %v", err)
		}
		moved, _ := st.GetBooking(ctx, b.ID)
		if moved.Slot.ID != sl2.ID || moved.Version != got.Version+1 || len(moved.History) != 2 {
			t.Fatalf("moved %+v", moved)
		}
		if err := st.EndBooking(ctx, moved, domain.StatusCancelled, domain.HistoryEntry{At: now, Action: domain.ActionCancelled, Actor: domain.ActorCitizen}); err != nil {
			t.Fatal(err)
		}
		if s2, _ := st.GetSlot(ctx, sl2.ID); s2.Booked != 0 {
			t.Fatalf("cancel did not free the seat: %d", s2.Booked)
		}
		// The guard is gone: the citizen may book the service again.
		if err := st.CreateBooking(ctx, newBooking(t, citizen, svc, inst, sl2, now), nil); err != nil {
			t.Fatalf("book after cancel: %v", err)
		}
	})
}

func TestConcurrentClaimsNeverOverbook(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		svc, inst, sl := fixture(t, st, 5, now.Add(96*time.Hour).Truncate(time.Minute))
		var wins, full atomic.Int64
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				err := st.CreateBooking(ctx, newBooking(t, uniq("cit"), svc, inst, sl, now), nil)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, domain.ErrSlotFull):
					full.Add(1)
				default:
					t.Errorf("unexpected: %v", err)
				}
			})
		}
		wg.Wait()
		got, _ := st.GetSlot(ctx, sl.ID)
		if wins.Load() != 5 || full.Load() != 35 || got.Booked != 5 {
			t.Fatalf("wins %d, full %d, booked %d", wins.Load(), full.Load(), got.Booked)
		}
	})
}

func TestIdempotencyClaims(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		svc, inst, sl := fixture(t, st, 2, now.Add(80*time.Hour).Truncate(time.Minute))
		citizen, key := uniq("cit"), uniq("key")
		claim, prev, err := st.ClaimIdempotency(ctx, citizen, key, "h1", now)
		if err != nil || claim == nil || prev != nil {
			t.Fatalf("first claim: %v %v %v", claim, prev, err)
		}
		if _, _, err := st.ClaimIdempotency(ctx, citizen, key, "h1", now); !errors.Is(err, domain.ErrRequestInProgress) {
			t.Fatalf("while running: %v", err)
		}
		if _, _, err := st.ClaimIdempotency(ctx, citizen, key, "h2", now); !errors.Is(err, domain.ErrIdempotencyConflict) {
			t.Fatalf("other body: %v", err)
		}
		b := newBooking(t, citizen, svc, inst, sl, now)
		if err := st.CreateBooking(ctx, b, claim); err != nil {
			t.Fatal(err)
		}
		_, prev, err = st.ClaimIdempotency(ctx, citizen, key, "h1", now)
		if err != nil || prev == nil || prev.BookingID != b.ID {
			t.Fatalf("replay: %+v %v", prev, err)
		}
		// Another citizen's key space is separate.
		if c, _, err := st.ClaimIdempotency(ctx, uniq("cit"), key, "h1", now); err != nil || c == nil {
			t.Fatalf("other citizen: %v", err)
		}
		// A released claim can be taken again; a stale one is taken over.
		k2 := uniq("key")
		c2, _, _ := st.ClaimIdempotency(ctx, citizen, k2, "h", now)
		if err := st.ReleaseIdempotency(ctx, c2); err != nil {
			t.Fatal(err)
		}
		if c, _, err := st.ClaimIdempotency(ctx, citizen, k2, "h", now); err != nil || c == nil {
			t.Fatalf("after release: %v", err)
		}
		if c, _, err := st.ClaimIdempotency(ctx, citizen, k2, "h", now.Add(2*time.Minute)); err != nil || c == nil {
			t.Fatalf("stale takeover: %v", err)
		}
		// Expired records are ignored even if TTL has not deleted them.
		if c, _, err := st.ClaimIdempotency(ctx, citizen, key, "h3", now.Add(25*time.Hour)); err != nil || c == nil {
			t.Fatalf("after 24 h: %v", err)
		}
	})
}

func TestListsAndCursors(t *testing.T) {
	suite(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		citizen := uniq("cit")
		var ids []string
		for i := range 3 {
			svc, inst, sl := fixture(t, st, 1, now.Add(time.Duration(100+i)*time.Hour).Truncate(time.Minute))
			b := newBooking(t, citizen, svc, inst, sl, now)
			if err := st.CreateBooking(ctx, b, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, b.ID)
		}
		var got []string
		next := ""
		for range 5 {
			page, err := st.ListCitizenBookings(ctx, citizen, domain.FilterActive, 1, next)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range page.Items {
				got = append(got, b.ID)
			}
			if next = page.NextToken; next == "" {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("paged %v, want %v (by slot start)", got, ids)
		}
		if _, err := st.ListCitizenBookings(ctx, citizen, "", 10, "bm90IGEgY3Vyc29y"); !errors.Is(err, domain.ErrValidation) {
			t.Fatalf("garbage cursor: %v", err)
		}
		// A cursor from another citizen's list is refused, not passed on.
		page, _ := st.ListCitizenBookings(ctx, citizen, "", 1, "")
		if _, err := st.ListCitizenBookings(ctx, uniq("cit"), "", 1, page.NextToken); !errors.Is(err, domain.ErrValidation) {
			t.Fatalf("foreign cursor: %v", err)
		}
	})
}
