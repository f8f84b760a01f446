package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// bookingNow is the fixed "now" of the booking rule tests.
var bookingNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// bookingFixture returns a service, an institution offering it, and a slot of
// that service three days after bookingNow.
func bookingFixture() (Service, Institution, Slot) {
	svc := validService()
	inst := validInstitution()
	start := bookingNow.Add(72 * time.Hour)
	slot := Slot{
		ID:            NewSlotID(inst.ID, svc.ID, start),
		InstitutionID: inst.ID,
		ServiceID:     svc.ID,
		Start:         start,
		End:           start.Add(20 * time.Minute),
		Capacity:      2,
	}
	return svc, inst, slot
}

// activeBooking returns a pending booking of slot made at bookingNow.
func activeBooking(t *testing.T, slot Slot, cancelBeforeHours int) Booking {
	t.Helper()
	svc, inst, _ := bookingFixture()
	svc.ID, inst.ID = slot.ServiceID, slot.InstitutionID
	inst.ServiceIDs = []string{svc.ID}
	svc.CancelBeforeHours = cancelBeforeHours
	b, err := NewBooking("bk-1", "ABCD1234", "sub-1", "Иванов Иван", svc, inst, slot, bookingNow.Add(-240*time.Hour))
	if err != nil {
		t.Fatalf("NewBooking: %v", err)
	}
	return b
}

// onlyField asserts that err is a validation error of exactly one field with
// the given code.
func onlyField(t *testing.T, err error, field, code string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	if len(ve.Fields) != 1 || ve.Fields[0].Field != field || ve.Fields[0].Code != code || ve.Fields[0].Message == "" {
		t.Fatalf("fields %+v, want one %s/%s with a message", ve.Fields, field, code)
	}
}

func TestDocumentsDeadline(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		created time.Time
		hours   int
		want    time.Time
	}{
		{"well ahead: start minus the window", start.Add(-72 * time.Hour), 24, start.Add(-24 * time.Hour)},
		{"a 48 h window", start.Add(-72 * time.Hour), 48, start.Add(-48 * time.Hour)},
		{"a 2 h window", start.Add(-5 * time.Hour), 2, start.Add(-2 * time.Hour)},
		{"one second before the window opens", start.Add(-24*time.Hour - time.Second), 24, start.Add(-24 * time.Hour)},
		{"created exactly when the window opens: created+1h", start.Add(-24 * time.Hour), 24, start.Add(-23 * time.Hour)},
		{"inside the window: created+1h", start.Add(-10 * time.Hour), 24, start.Add(-9 * time.Hour)},
		{"inside the window, 61 minutes ahead", start.Add(-61 * time.Minute), 24, start.Add(-time.Minute)},
		{"exactly one hour ahead: the start", start.Add(-time.Hour), 24, start},
		{"30 minutes ahead: never after the start", start.Add(-30 * time.Minute), 24, start},
		{"one minute ahead: never after the start", start.Add(-time.Minute), 2, start},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DocumentsDeadline(start, tt.created, tt.hours)
			if !got.Equal(tt.want) {
				t.Fatalf("DocumentsDeadline(start, %s, %d) = %s, want %s", tt.created, tt.hours, got, tt.want)
			}
			if got.After(start) {
				t.Fatalf("deadline %s after the start %s", got, start)
			}
		})
	}

	// Zones of the arguments do not matter: only instants count.
	kam := bookingZone(t, "Asia/Kamchatka")
	kgd := bookingZone(t, "Europe/Kaliningrad")
	got := DocumentsDeadline(start.In(kam), start.Add(-72*time.Hour).In(kgd), 24)
	if !got.Equal(start.Add(-24 * time.Hour)) {
		t.Fatalf("zoned arguments: %s", got)
	}
}

func TestNewBooking(t *testing.T) {
	t.Parallel()
	svc, inst, slot := bookingFixture()
	kam := bookingZone(t, "Asia/Kamchatka")
	slot.Start, slot.End = slot.Start.In(kam), slot.End.In(kam) // stored and returned in UTC
	now := bookingNow.In(kam)

	b, err := NewBooking("bk-1", "ABCD1234", "sub-1", "Иванов Иван Иванович", svc, inst, slot, now)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "bk-1" || b.Code != "ABCD1234" || b.CitizenID != "sub-1" || b.CitizenName != "Иванов Иван Иванович" {
		t.Fatalf("identity %+v", b)
	}
	if b.Status != StatusPending || !b.Status.Active() || b.Version != 1 {
		t.Fatalf("status %s, version %d", b.Status, b.Version)
	}
	if b.Service != (ServiceRef{ID: svc.ID, Name: svc.Name}) {
		t.Fatalf("service ref %+v", b.Service)
	}
	if b.Institution != (InstitutionRef{ID: inst.ID, Name: inst.Name, Address: inst.Address, Timezone: inst.Timezone}) {
		t.Fatalf("institution ref %+v", b.Institution)
	}
	if b.Slot.ID != slot.ID || !b.Slot.Start.Equal(slot.Start) || !b.Slot.End.Equal(slot.End) ||
		b.Slot.Start.Location() != time.UTC || b.Slot.End.Location() != time.UTC {
		t.Fatalf("slot ref %+v", b.Slot)
	}
	if !b.CreatedAt.Equal(bookingNow) || b.CreatedAt.Location() != time.UTC || !b.UpdatedAt.Equal(b.CreatedAt) {
		t.Fatalf("createdAt %s updatedAt %s", b.CreatedAt, b.UpdatedAt)
	}
	if b.CancelBeforeHours != 24 {
		t.Fatalf("cancelBeforeHours %d", b.CancelBeforeHours)
	}
	if want := slot.Start.Add(-24 * time.Hour); !b.DocumentsDeadline.Equal(want) || b.DocumentsDeadline.Location() != time.UTC {
		t.Fatalf("deadline %s, want %s", b.DocumentsDeadline, want)
	}

	// Every required document is copied, as missing, with its flags.
	if len(b.RequiredDocuments) != len(svc.RequiredDocuments) {
		t.Fatalf("documents %+v", b.RequiredDocuments)
	}
	for i, d := range svc.RequiredDocuments {
		got := b.RequiredDocuments[i]
		if got.Type != d.Type || got.Name != d.Name || got.Mandatory != d.Mandatory || got.Status != DocMissing || got.DocumentID != "" || got.Reason != "" {
			t.Fatalf("document %d: %+v from %+v", i, got, d)
		}
	}
	// A copy: changing the service afterwards leaves the booking alone.
	svc.RequiredDocuments[0].Name = "changed"
	if b.RequiredDocuments[0].Name == "changed" {
		t.Fatal("booking shares the service's document slice")
	}

	if len(b.History) != 1 {
		t.Fatalf("history %+v", b.History)
	}
	h := b.History[0]
	if h.Action != ActionCreated || h.Actor != ActorCitizen || !h.At.Equal(bookingNow) ||
		h.Details["slotId"] != slot.ID || h.Details["start"] != slot.Start.UTC().Format(time.RFC3339) {
		t.Fatalf("history[0] %+v", h)
	}
}

func TestNewBookingDefaultsAndEmptyDocuments(t *testing.T) {
	t.Parallel()
	svc, inst, slot := bookingFixture()
	svc.CancelBeforeHours = 0
	svc.RequiredDocuments = nil
	b, err := NewBooking("bk-2", "ABCD1235", "sub-2", "", svc, inst, slot, bookingNow)
	if err != nil {
		t.Fatal(err)
	}
	if b.CancelBeforeHours != DefaultCancelBeforeHours || DefaultCancelBeforeHours != 24 {
		t.Fatalf("cancelBeforeHours %d, want the default 24", b.CancelBeforeHours)
	}
	if !b.DocumentsDeadline.Equal(slot.Start.Add(-24 * time.Hour)) {
		t.Fatalf("deadline %s", b.DocumentsDeadline)
	}
	// No documents is an empty list in JSON, never null.
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"requiredDocuments":[]`) {
		t.Fatalf("JSON %s", raw)
	}
	// The citizen id and the version are never serialised.
	if strings.Contains(string(raw), "sub-2") || strings.Contains(string(raw), `"version"`) {
		t.Fatalf("JSON leaks internals: %s", raw)
	}

	// A booking made inside the window: one hour to bring the documents.
	svc.CancelBeforeHours = 48
	late := slot.Start.Add(-47 * time.Hour)
	b, err = NewBooking("bk-3", "ABCD1236", "sub-2", "", svc, inst, slot, late)
	if err != nil {
		t.Fatal(err)
	}
	if !b.DocumentsDeadline.Equal(late.Add(time.Hour)) {
		t.Fatalf("deadline %s, want %s", b.DocumentsDeadline, late.Add(time.Hour))
	}
}

func TestNewBookingRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(svc *Service, inst *Institution, slot *Slot, now *time.Time)
		want   error
	}{
		{"slot starting now", func(_ *Service, _ *Institution, slot *Slot, now *time.Time) { *now = slot.Start }, ErrSlotInPast},
		{"slot started a second ago", func(_ *Service, _ *Institution, slot *Slot, now *time.Time) { *now = slot.Start.Add(time.Second) }, ErrSlotInPast},
		{"slot last year", func(_ *Service, _ *Institution, slot *Slot, now *time.Time) { *now = slot.Start.AddDate(1, 0, 0) }, ErrSlotInPast},
		{"slot of another service", func(_ *Service, _ *Institution, slot *Slot, _ *time.Time) { slot.ServiceID = "svc-snils" }, ErrNotFound},
		{"slot of another institution", func(_ *Service, _ *Institution, slot *Slot, _ *time.Time) { slot.InstitutionID = "inst-other" }, ErrNotFound},
		{"institution no longer offers the service", func(_ *Service, inst *Institution, _ *Slot, _ *time.Time) { inst.ServiceIDs = []string{"svc-snils"} }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, inst, slot := bookingFixture()
			now := bookingNow
			tt.change(&svc, &inst, &slot, &now)
			b, err := NewBooking("bk-1", "ABCD1234", "sub-1", "", svc, inst, slot, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if b.ID != "" {
				t.Fatalf("a booking was returned with the error: %+v", b)
			}
		})
	}
}

func TestCheckChangeableStates(t *testing.T) {
	t.Parallel()
	_, _, slot := bookingFixture()
	for _, st := range []BookingStatus{StatusPending, StatusConfirmed, StatusCancelled, StatusCompleted, StatusNoShow} {
		t.Run(string(st), func(t *testing.T) {
			t.Parallel()
			b := activeBooking(t, slot, 24)
			b.Status = st
			err := b.CheckChangeable(bookingNow)
			if st.Active() {
				if err != nil {
					t.Fatalf("active booking: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidState) {
				t.Fatalf("%s: err = %v, want ErrInvalidState", st, err)
			}
			// The state wins over the time: a finished booking long past its
			// window is still invalid_state, not too_late.
			if err := b.CheckChangeable(slot.End.Add(time.Hour)); !errors.Is(err, ErrInvalidState) {
				t.Fatalf("%s after the visit: err = %v", st, err)
			}
		})
	}
}

// TestCheckChangeableWindow shows the window is computed on instants: the
// slot is in Kamchatka (UTC+12), the caller's clock in Kaliningrad (UTC+2),
// and neither zone shifts the limit.
func TestCheckChangeableWindow(t *testing.T) {
	t.Parallel()
	kam := bookingZone(t, "Asia/Kamchatka")
	kgd := bookingZone(t, "Europe/Kaliningrad")
	msk := bookingZone(t, "Europe/Moscow")
	// 10 March 2026, 10:00 in Petropavlovsk-Kamchatsky = 9 March 22:00 UTC.
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, kam)
	slot := Slot{ID: "s", InstitutionID: "inst-clinic-pkc-gp1", ServiceID: "svc-therapist", Start: start, End: start.Add(15 * time.Minute), Capacity: 1}

	tests := []struct {
		name  string
		hours int
		now   time.Time
		want  error
	}{
		{"a day and a second ahead", 24, start.Add(-24*time.Hour - time.Second).In(kgd), nil},
		{"exactly at the limit", 24, start.Add(-24 * time.Hour).In(kgd), nil},
		{"exactly at the limit, Moscow clock", 24, start.Add(-24 * time.Hour).In(msk), nil},
		{"one second after the limit", 24, start.Add(-24*time.Hour + time.Second).In(kgd), ErrTooLate},
		{"one second after the limit, Kamchatka clock", 24, start.Add(-24*time.Hour + time.Second).In(kam), ErrTooLate},
		// 9 March 10:00 on a Kaliningrad clock reads "24 hours before"
		// 10 March 10:00 on the Kamchatka clock, but it is 14 hours before
		// the start: too late. A comparison of local clock strings would
		// let it through.
		{"local clocks 24 h apart, instants 14 h apart", 24, time.Date(2026, 3, 9, 10, 0, 0, 0, kgd), ErrTooLate},
		// 10:00 on 8 March in Kamchatka is 48 h before the start.
		{"local clocks 48 h apart, instants 48 h apart", 24, time.Date(2026, 3, 8, 10, 0, 0, 0, kam), nil},
		{"2 h window, 2 h ahead", 2, start.Add(-2 * time.Hour).In(kgd), nil},
		{"2 h window, 1 h 59 min ahead", 2, start.Add(-2*time.Hour + time.Minute).In(kgd), ErrTooLate},
		{"after the start", 2, start.Add(time.Minute), ErrTooLate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := activeBooking(t, slot, tt.hours)
			b.Status = StatusConfirmed
			err := b.CheckChangeable(tt.now)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("CheckChangeable(%s) = %v, want %v", tt.now, err, tt.want)
			}
			// Kaliningrad slot, same instants: same answer.
			kslot := slot
			kslot.Start, kslot.End = slot.Start.In(kgd), slot.End.In(kgd)
			kb := activeBooking(t, kslot, tt.hours)
			if err2 := kb.CheckChangeable(tt.now.In(kam)); (err == nil) != (err2 == nil) {
				t.Fatalf("zones changed the answer: %v vs %v", err, err2)
			}
		})
	}
}

func TestCheckReschedule(t *testing.T) {
	t.Parallel()
	_, _, slot := bookingFixture()
	target := slot
	target.Start = slot.Start.Add(24 * time.Hour)
	target.End = target.Start.Add(20 * time.Minute)
	target.ID = NewSlotID(slot.InstitutionID, slot.ServiceID, target.Start)

	tests := []struct {
		name   string
		status BookingStatus
		to     func() Slot
		now    time.Time
		want   error
		field  string // for a validation error
		code   string
	}{
		{"valid move", StatusPending, func() Slot { return target }, bookingNow, nil, "", ""},
		{"valid move of a confirmed booking", StatusConfirmed, func() Slot { return target }, bookingNow, nil, "", ""},
		{"earlier slot still in the future", StatusPending, func() Slot {
			s := target
			s.Start = bookingNow.Add(time.Hour)
			return s
		}, bookingNow, nil, "", ""},
		{"another service", StatusPending, func() Slot {
			s := target
			s.ServiceID = "svc-snils"
			return s
		}, bookingNow, ErrValidation, "slotId", "other_service"},
		{"another institution", StatusPending, func() Slot {
			s := target
			s.InstitutionID = "inst-other"
			return s
		}, bookingNow, ErrValidation, "slotId", "other_institution"},
		{"the same slot", StatusPending, func() Slot { return slot }, bookingNow, ErrValidation, "slotId", "same_slot"},
		{"a past slot", StatusPending, func() Slot {
			s := target
			s.Start = bookingNow.Add(-time.Hour)
			return s
		}, bookingNow, ErrSlotInPast, "", ""},
		{"a slot starting now", StatusPending, func() Slot {
			s := target
			s.Start = bookingNow
			return s
		}, bookingNow, ErrSlotInPast, "", ""},
		{"cancelled booking", StatusCancelled, func() Slot { return target }, bookingNow, ErrInvalidState, "", ""},
		{"completed booking", StatusCompleted, func() Slot { return target }, bookingNow, ErrInvalidState, "", ""},
		{"too late to move", StatusPending, func() Slot { return target }, slot.Start.Add(-23 * time.Hour), ErrTooLate, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := activeBooking(t, slot, 24)
			b.Status = tt.status
			err := b.CheckReschedule(tt.to(), tt.now)
			switch {
			case tt.want == nil:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			case tt.field != "":
				onlyField(t, err, tt.field, tt.code)
			case !errors.Is(err, tt.want):
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseAttendance(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]BookingStatus{"completed": StatusCompleted, "no_show": StatusNoShow} {
		got, err := ParseAttendance(in)
		if err != nil || got != want {
			t.Fatalf("ParseAttendance(%q) = %q, %v", in, got, err)
		}
		if got.Active() {
			t.Fatalf("%s is active", got)
		}
	}
	for _, in := range []string{"", "Completed", "COMPLETED", " completed", "no-show", "noshow", "cancelled", "pending", "confirmed", "arrived"} {
		got, err := ParseAttendance(in)
		if got != "" {
			t.Fatalf("ParseAttendance(%q) = %q", in, got)
		}
		onlyField(t, err, "status", "invalid_value")
	}
}

func TestCheckAttendance(t *testing.T) {
	t.Parallel()
	_, _, slot := bookingFixture()
	b := activeBooking(t, slot, 24)
	if err := b.CheckAttendance(slot.Start.Add(-time.Second)); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("before the start: %v", err)
	}
	for _, now := range []time.Time{slot.Start, slot.End, slot.End.Add(48 * time.Hour)} {
		if err := b.CheckAttendance(now); err != nil {
			t.Fatalf("at %s: %v", now, err)
		}
	}
	for _, st := range []BookingStatus{StatusCancelled, StatusCompleted, StatusNoShow} {
		b.Status = st
		if err := b.CheckAttendance(slot.End); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

func TestNewCodeFormat(t *testing.T) {
	t.Parallel()
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	if crockford != alphabet || len(alphabet) != 32 {
		t.Fatalf("alphabet %q", crockford)
	}
	seen := map[rune]bool{}
	for range 2000 {
		c := NewCode()
		if len(c) != CodeLength || CodeLength != 8 {
			t.Fatalf("code %q: length %d", c, len(c))
		}
		for _, r := range c {
			if !strings.ContainsRune(alphabet, r) || strings.ContainsRune("ILOU", r) {
				t.Fatalf("code %q: character %q outside Crockford's alphabet", c, r)
			}
			seen[r] = true
		}
		if n, ok := NormalizeCode(c); !ok || n != c {
			t.Fatalf("NormalizeCode(%q) = %q, %v", c, n, ok)
		}
		if n, ok := NormalizeCode(strings.ToLower(c[:4]) + "-" + c[4:]); !ok || n != c {
			t.Fatalf("NormalizeCode of the typed form of %q = %q, %v", c, n, ok)
		}
	}
	// 16,000 characters drawn: every one of the 32 shows up (a code that
	// used a smaller alphabet would have fewer than 40 bits).
	if len(seen) != 32 {
		t.Fatalf("only %d distinct characters in 2000 codes", len(seen))
	}
}

func TestNormalizeCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"7K3M9Q2X", "7K3M9Q2X", true},
		{"7k3m9q2x", "7K3M9Q2X", true},
		{"7K3M-9Q2X", "7K3M9Q2X", true},
		{"7k3m 9q2x", "7K3M9Q2X", true},
		{" 7K-3M-9Q-2X ", "7K3M9Q2X", true},
		{"OoIiLl10", "00111110", true}, // O→0, I and L→1
		{"o0o0-ilil", "00001111", true},
		{"ABCDEFGH", "ABCDEFGH", true},
		{"VWXYZ123", "VWXYZ123", true},
		{"ABCDEFGU", "", false}, // U is not in the alphabet
		{"uuuuuuuu", "", false},
		{"7K3M9Q2", "", false},   // 7 characters
		{"7K3M9Q2XY", "", false}, // 9 characters
		{"", "", false},
		{"--------", "", false},
		{"7K3M_9Q2", "", false},
		{"7K3M.9Q2X", "", false},
		{"АВСЕКМНР", "", false}, // Cyrillic look-alikes are not Latin letters
		{"7K3M9Q2Ё", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStatusFilter(t *testing.T) {
	t.Parallel()
	all := []BookingStatus{StatusPending, StatusConfirmed, StatusCancelled, StatusCompleted, StatusNoShow}
	want := map[StatusFilter][]BookingStatus{
		"":              all,
		FilterActive:    {StatusPending, StatusConfirmed},
		FilterCancelled: {StatusCancelled},
		FilterCompleted: {StatusCompleted, StatusNoShow},
	}
	for in, matching := range want {
		f, err := ParseStatusFilter(string(in))
		if err != nil || f != in {
			t.Fatalf("ParseStatusFilter(%q) = %q, %v", in, f, err)
		}
		for _, st := range all {
			expect := false
			for _, m := range matching {
				expect = expect || m == st
			}
			if got := f.Matches(st); got != expect {
				t.Errorf("filter %q matches %s = %v, want %v", in, st, got, expect)
			}
		}
	}
	for _, in := range []string{"Active", "ACTIVE", "pending", "confirmed", "no_show", "all", " active", "active,cancelled"} {
		f, err := ParseStatusFilter(in)
		if f != "" {
			t.Fatalf("ParseStatusFilter(%q) = %q", in, f)
		}
		onlyField(t, err, "status", "invalid_value")
	}
	// Active is exactly "holds a seat".
	for _, st := range all {
		if st.Active() != (st == StatusPending || st == StatusConfirmed) {
			t.Fatalf("%s.Active() = %v", st, st.Active())
		}
	}
}

func bookingZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestReadyToConfirm(t *testing.T) {
	t.Parallel()
	doc := func(mandatory bool, st DocumentStatus) BookingDocument {
		return BookingDocument{Type: "x", Mandatory: mandatory, Status: st}
	}
	tests := []struct {
		name   string
		status BookingStatus
		docs   []BookingDocument
		want   bool
	}{
		{"no documents asked", StatusPending, nil, true},
		{"mandatory missing", StatusPending, []BookingDocument{doc(true, DocMissing)}, false},
		{"mandatory checking", StatusPending, []BookingDocument{doc(true, DocChecking)}, false},
		{"mandatory rejected", StatusPending, []BookingDocument{doc(true, DocRejected)}, false},
		{"mandatory accepted, optional missing", StatusPending, []BookingDocument{doc(true, DocAccepted), doc(false, DocMissing)}, true},
		{"already confirmed", StatusConfirmed, nil, false},
		{"cancelled", StatusCancelled, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := Booking{Status: tt.status, RequiredDocuments: tt.docs}
			if got := b.ReadyToConfirm(); got != tt.want {
				t.Fatalf("ReadyToConfirm = %v, want %v", got, tt.want)
			}
		})
	}
}
