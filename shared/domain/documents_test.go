package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func pendingBooking(t *testing.T) Booking {
	t.Helper()
	svc, inst, slot := bookingFixture()
	b, err := NewBooking("bk-1", "ABCD1234", "sub-1", "Иванов Иван", svc, inst, slot, bookingNow)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckUpload(t *testing.T) {
	t.Parallel()
	ok := UploadRequest{Type: "photo", FileName: "photo.jpg", ContentType: "image/jpeg", Size: 200_000}
	cancelled := pendingBooking(t)
	cancelled.Status = StatusCancelled
	cases := []struct {
		name    string
		b       Booking
		mod     func(*UploadRequest)
		uploads int
		want    error
		field   string
	}{
		{"valid", pendingBooking(t), nil, 0, nil, ""},
		{"content type with parameters", pendingBooking(t), func(r *UploadRequest) { r.ContentType = "Application/PDF; charset=binary" }, 0, nil, ""},
		{"exactly 5 MiB", pendingBooking(t), func(r *UploadRequest) { r.Size = MaxDocumentSize }, 0, nil, ""},
		{"one byte over 5 MiB", pendingBooking(t), func(r *UploadRequest) { r.Size = MaxDocumentSize + 1 }, 0, ErrDocumentTooLarge, "size"},
		{"gif", pendingBooking(t), func(r *UploadRequest) { r.ContentType = "image/gif" }, 0, ErrUnsupportedDocumentType, "contentType"},
		{"type the service does not ask for", pendingBooking(t), func(r *UploadRequest) { r.Type = "diploma" }, 0, ErrUnsupportedDocumentType, "type"},
		{"missing fields", pendingBooking(t), func(r *UploadRequest) { *r = UploadRequest{} }, 0, ErrValidation, "type"},
		{"zero size", pendingBooking(t), func(r *UploadRequest) { r.Size = 0 }, 0, ErrValidation, "size"},
		{"path in file name", pendingBooking(t), func(r *UploadRequest) { r.FileName = "../etc/passwd" }, 0, ErrValidation, "fileName"},
		{"long file name", pendingBooking(t), func(r *UploadRequest) { r.FileName = strings.Repeat("я", 256) }, 0, ErrValidation, "fileName"},
		{"cancelled booking", cancelled, nil, 0, ErrInvalidState, ""},
		{"too many uploads", pendingBooking(t), nil, MaxUploadsPerType, ErrRateLimited, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req := ok
			if c.mod != nil {
				c.mod(&req)
			}
			err := c.b.CheckUpload(req, c.uploads)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if c.field != "" {
				fields := FieldErrors(err)
				if len(fields) == 0 || fields[0].Field != c.field {
					t.Fatalf("fields = %+v, want %s first", fields, c.field)
				}
			}
		})
	}
}

func TestDocumentStatesOnTheBooking(t *testing.T) {
	t.Parallel()
	b := pendingBooking(t)
	d1 := Document{ID: "doc-1", Type: "photo", Status: DocIssued}
	if issue, err := b.CheckSubmit(d1); !issue || err != nil {
		t.Fatalf("first submit: %v %v", issue, err)
	}
	d1.Status = DocUploaded
	b = b.WithDocument(d1)
	if issue, err := b.CheckSubmit(d1); issue || err != nil {
		t.Fatalf("resubmit while queued: %v %v, want a re-queue", issue, err)
	}
	// A newer upload of the same type replaces the entry; the older one's
	// result no longer shows.
	d2 := Document{ID: "doc-2", Type: "photo", Status: DocUploaded}
	b = b.WithDocument(d2)
	d1.Status, d1.Reason = DocRejected, ReasonEmpty
	b = b.WithDocument(d1)
	if e, _ := b.RequiredDocument("photo"); e.DocumentID != "doc-2" || e.Status != DocUploaded || e.Reason != "" {
		t.Fatalf("entry = %+v", e)
	}
	if _, err := b.CheckSubmit(d1); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("submit of a rejected document: %v", err)
	}
	d2.Status = DocAccepted
	b = b.WithDocument(d2)
	if b.ReadyToConfirm() {
		t.Fatal("ready with old_passport missing")
	}
	b = b.WithDocument(Document{ID: "doc-3", Type: "old_passport", Status: DocUploaded})
	b = b.WithDocument(Document{ID: "doc-3", Type: "old_passport", Status: DocAccepted})
	if !b.ReadyToConfirm() || !b.NeedsTicket() {
		t.Fatalf("mandatory documents accepted but not ready: %+v", b.RequiredDocuments)
	}
	// The optional receipt never holds a booking back.
	if _, ok := b.DueTimes()[DueExpire]; ok {
		t.Fatal("a ready booking still has a documents deadline")
	}
}

func TestDueTimes(t *testing.T) {
	t.Parallel()
	b := pendingBooking(t) // made 72 h ahead
	due := b.DueTimes()
	if !due[DueExpire].Equal(b.DocumentsDeadline) || !due[DueRemind24h].Equal(b.Slot.Start.Add(-24*time.Hour)) || !due[DueRemind1h].Equal(b.Slot.Start.Add(-time.Hour)) {
		t.Fatalf("due = %v", due)
	}
	late := b
	late.ArmedAt = b.Slot.Start.Add(-10 * time.Hour) // made or moved 10 h ahead
	due = late.DueTimes()
	if _, ok := due[DueRemind24h]; ok {
		t.Fatal("24h reminder for a booking made 10 hours ahead")
	}
	if _, ok := due[DueRemind1h]; !ok {
		t.Fatal("no 1h reminder for a booking made 10 hours ahead")
	}
	for _, st := range []BookingStatus{StatusCancelled, StatusCompleted, StatusNoShow} {
		gone := b
		gone.Status = st
		if len(gone.DueTimes()) != 0 {
			t.Fatalf("%s booking has due work", st)
		}
	}
	if !b.Expired(b.DocumentsDeadline) || b.Expired(b.DocumentsDeadline.Add(-time.Second)) {
		t.Fatal("expiry is not at the deadline")
	}
}

func TestCheckCheckIn(t *testing.T) {
	t.Parallel()
	b := pendingBooking(t)
	b.Status = StatusConfirmed
	loc, _ := time.LoadLocation(b.Institution.Timezone)
	start := b.Slot.Start.In(loc)
	morning := time.Date(start.Year(), start.Month(), start.Day(), 0, 1, 0, 0, loc)
	cases := []struct {
		name   string
		status BookingStatus
		inst   string
		now    time.Time
		want   error
	}{
		{"confirmed, same local day", StatusConfirmed, b.Institution.ID, morning, nil},
		{"day before", StatusConfirmed, b.Institution.ID, morning.Add(-2 * time.Minute), ErrInvalidState},
		{"pending", StatusPending, b.Institution.ID, morning, ErrNotConfirmed},
		{"cancelled", StatusCancelled, b.Institution.ID, morning, ErrInvalidState},
		{"another institution", StatusConfirmed, "inst-other", morning, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x := b
			x.Status = c.status
			if err := x.CheckCheckIn(c.inst, c.now); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}
