package domain

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// BookingStatus is the state of a booking (API.md).
type BookingStatus string

const (
	StatusPending   BookingStatus = "pending"   // Ожидает подтверждения
	StatusConfirmed BookingStatus = "confirmed" // Подтверждена
	StatusCancelled BookingStatus = "cancelled" // Отменена
	StatusCompleted BookingStatus = "completed" // Приём состоялся
	StatusNoShow    BookingStatus = "no_show"   // Не явился
)

// Active reports whether the booking still holds its seat.
func (s BookingStatus) Active() bool { return s == StatusPending || s == StatusConfirmed }

// StatusFilter is the ?status= of GET /bookings.
type StatusFilter string

const (
	FilterActive    StatusFilter = "active"
	FilterCancelled StatusFilter = "cancelled"
	FilterCompleted StatusFilter = "completed"
)

// ParseStatusFilter validates ?status=; "" means every booking.
func ParseStatusFilter(s string) (StatusFilter, error) {
	switch f := StatusFilter(s); f {
	case "", FilterActive, FilterCancelled, FilterCompleted:
		return f, nil
	}
	return "", Invalid("status", "invalid_value", "Статус: active, cancelled или completed")
}

// Matches reports whether a booking in status st passes the filter.
func (f StatusFilter) Matches(st BookingStatus) bool {
	switch f {
	case FilterActive:
		return st.Active()
	case FilterCancelled:
		return st == StatusCancelled
	case FilterCompleted:
		return st == StatusCompleted || st == StatusNoShow
	}
	return true
}

// DocumentStatus is the state of one required document of a booking.
type DocumentStatus string

const (
	DocMissing  DocumentStatus = "missing"
	DocUploaded DocumentStatus = "uploaded"
	DocChecking DocumentStatus = "checking"
	DocAccepted DocumentStatus = "accepted"
	DocRejected DocumentStatus = "rejected"
)

// BookingDocument is a required document as it stands on a booking.
type BookingDocument struct {
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Mandatory  bool           `json:"mandatory"`
	Status     DocumentStatus `json:"status"`
	DocumentID string         `json:"documentId,omitempty"`
	Reason     string         `json:"reason,omitempty"`
}

// History actions.
const (
	ActionCreated     = "created"
	ActionCancelled   = "cancelled"
	ActionRescheduled = "rescheduled"
	ActionExpired     = "expired"
	ActionConfirmed   = "confirmed"
	ActionCheckedIn   = "checked_in"
	ActionCompleted   = "completed"
	ActionNoShow      = "no_show"
)

// Actors in history.
const (
	ActorCitizen  = "citizen"
	ActorOperator = "operator"
	ActorAdmin    = "admin"
	ActorSystem   = "system"
)

// HistoryEntry is one step of a booking's life.
type HistoryEntry struct {
	At      time.Time         `json:"at"`
	Action  string            `json:"action"`
	Actor   string            `json:"actor"`
	Details map[string]string `json:"details,omitempty"`
}

// ServiceRef, InstitutionRef and SlotRef are what a booking keeps of each.
type ServiceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type InstitutionRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	Timezone string `json:"timezone"`
}

type SlotRef struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Booking is a citizen's appointment.
type Booking struct {
	ID                string            `json:"id"`
	Code              string            `json:"code"`
	Status            BookingStatus     `json:"status"`
	CitizenID         string            `json:"-"`
	CitizenName       string            `json:"citizenName,omitempty"` // shown to operators only
	Service           ServiceRef        `json:"service"`
	Institution       InstitutionRef    `json:"institution"`
	Slot              SlotRef           `json:"slot"`
	CancelBeforeHours int               `json:"cancelBeforeHours"`
	RequiredDocuments []BookingDocument `json:"requiredDocuments"`
	DocumentsDeadline time.Time         `json:"documentsDeadline"`
	Attendance        string            `json:"attendance,omitempty"`
	CreatedAt         time.Time         `json:"createdAt"`
	UpdatedAt         time.Time         `json:"updatedAt"`
	History           []HistoryEntry    `json:"history,omitempty"` // lists leave it out
	// Documents are all uploads, oldest first; clients see the latest of
	// each type in RequiredDocuments.
	Documents []Document `json:"-"`
	// Ticket is the confirmation PDF once it is made.
	Ticket *Ticket `json:"-"`
	// ArmedAt is when the booking got its current slot (made or moved):
	// reminders that fell due before it are not sent.
	ArmedAt time.Time `json:"-"`
	// Version guards every update: a write succeeds only on the version read.
	Version int `json:"-"`
}

// Ticket is where a booking's confirmation PDF is, and for which slot it was
// made: a reschedule makes it stale.
type Ticket struct {
	Key      string    `json:"key"`
	SlotID   string    `json:"slotId"`
	IssuedAt time.Time `json:"issuedAt"`
}

// CurrentTicket returns the ticket when it matches the booking's slot.
func (b Booking) CurrentTicket() (Ticket, bool) {
	if b.Status != StatusConfirmed || b.Ticket == nil || b.Ticket.SlotID != b.Slot.ID {
		return Ticket{}, false
	}
	return *b.Ticket, true
}

// NeedsTicket reports whether the confirmation worker has work for b: a
// pending booking that is ready, or a confirmed one whose ticket is for
// another slot.
func (b Booking) NeedsTicket() bool {
	if b.ReadyToConfirm() {
		return true
	}
	_, ok := b.CurrentTicket()
	return b.Status == StatusConfirmed && !ok
}

// DueKind names a deadline or reminder that a schedule acts on.
type DueKind string

const (
	DueExpire    DueKind = "expire"
	DueRemind24h DueKind = "remind_24h"
	DueRemind1h  DueKind = "remind_1h"
	// DueNotify marks a booking with notifications still to publish; it is
	// written with them and cleared once all are out.
	DueNotify DueKind = "notify"
)

// DueKinds lists every kind, so a change can clear what no longer applies.
var DueKinds = []DueKind{DueExpire, DueRemind24h, DueRemind1h}

// Lead is how long before the visit a reminder goes out.
func (k DueKind) Lead() time.Duration {
	switch k {
	case DueRemind24h:
		return 24 * time.Hour
	case DueRemind1h:
		return time.Hour
	}
	return 0
}

// DueTimes says when each scheduled action on b falls due: the documents
// deadline of a pending booking still waiting for mandatory documents, and
// each reminder of an active booking that falls due after ArmedAt (a
// booking made 10 hours ahead gets no 24-hour reminder).
func (b Booking) DueTimes() map[DueKind]time.Time {
	out := map[DueKind]time.Time{}
	if !b.Status.Active() {
		return out
	}
	if b.Status == StatusPending && !b.ReadyToConfirm() {
		out[DueExpire] = b.DocumentsDeadline
	}
	armed := b.ArmedAt
	if armed.IsZero() {
		armed = b.CreatedAt
	}
	for _, k := range []DueKind{DueRemind24h, DueRemind1h} {
		if at := b.Slot.Start.Add(-k.Lead()); !at.Before(armed) {
			out[k] = at
		}
	}
	return out
}

// DocumentsDeadline is when mandatory documents must be accepted: the slot
// start minus the cancellation window, or one hour after creation for a
// booking made inside that window (never after the start itself).
func DocumentsDeadline(start, created time.Time, cancelBeforeHours int) time.Time {
	d := start.Add(-time.Duration(cancelBeforeHours) * time.Hour)
	if !d.After(created) {
		d = created.Add(time.Hour)
		if d.After(start) {
			d = start
		}
	}
	return d
}

// NewBooking makes the pending booking of citizen for slot. It checks what
// the domain can check without storage: the slot is in the future, belongs
// to the service and the institution offers it.
func NewBooking(id, code, citizenID, citizenName string, svc Service, inst Institution, slot Slot, now time.Time) (Booking, error) {
	if !slot.Start.After(now) {
		return Booking{}, ErrSlotInPast
	}
	if slot.ServiceID != svc.ID || slot.InstitutionID != inst.ID || !inst.Offers(svc.ID) {
		return Booking{}, fmt.Errorf("slot %s does not belong to service %s at %s: %w", slot.ID, svc.ID, inst.ID, ErrNotFound)
	}
	cbh := svc.CancelBeforeHours
	if cbh == 0 {
		cbh = DefaultCancelBeforeHours
	}
	docs := make([]BookingDocument, 0, len(svc.RequiredDocuments))
	for _, d := range svc.RequiredDocuments {
		docs = append(docs, BookingDocument{Type: d.Type, Name: d.Name, Mandatory: d.Mandatory, Status: DocMissing})
	}
	now = now.UTC()
	return Booking{
		ID:                id,
		Code:              code,
		Status:            StatusPending,
		CitizenID:         citizenID,
		CitizenName:       citizenName,
		Service:           ServiceRef{ID: svc.ID, Name: svc.Name},
		Institution:       InstitutionRef{ID: inst.ID, Name: inst.Name, Address: inst.Address, Timezone: inst.Timezone},
		Slot:              SlotRef{ID: slot.ID, Start: slot.Start.UTC(), End: slot.End.UTC()},
		CancelBeforeHours: cbh,
		RequiredDocuments: docs,
		DocumentsDeadline: DocumentsDeadline(slot.Start, now, cbh).UTC(),
		CreatedAt:         now,
		UpdatedAt:         now,
		ArmedAt:           now,
		History:           []HistoryEntry{{At: now, Action: ActionCreated, Actor: ActorCitizen, Details: map[string]string{"slotId": slot.ID, "start": slot.Start.UTC().Format(time.RFC3339)}}},
		Version:           1,
	}, nil
}

// Expired reports whether the documents deadline of a pending booking has
// passed at now without every mandatory document accepted.
func (b Booking) Expired(now time.Time) bool {
	return b.Status == StatusPending && !b.ReadyToConfirm() && !now.Before(b.DocumentsDeadline)
}

// ReadyToConfirm reports whether a pending booking may be confirmed: every
// mandatory document is accepted, which a service asking for none meets at
// once. The confirmation pipeline starts from here.
func (b Booking) ReadyToConfirm() bool {
	if b.Status != StatusPending {
		return false
	}
	for _, d := range b.RequiredDocuments {
		if d.Mandatory && d.Status != DocAccepted {
			return false
		}
	}
	return true
}

// CheckChangeable says whether the citizen may still cancel or move the
// booking at now: it must be active and at least CancelBeforeHours ahead.
// The window is computed on instants, so time zones cannot shift it.
func (b Booking) CheckChangeable(now time.Time) error {
	if !b.Status.Active() {
		return fmt.Errorf("booking is %s: %w", b.Status, ErrInvalidState)
	}
	limit := b.Slot.Start.Add(-time.Duration(b.CancelBeforeHours) * time.Hour)
	if now.After(limit) {
		return fmt.Errorf("changes closed at %s: %w", limit.Format(time.RFC3339), ErrTooLate)
	}
	return nil
}

// CheckReschedule validates moving b to slot at now.
func (b Booking) CheckReschedule(slot Slot, now time.Time) error {
	if err := b.CheckChangeable(now); err != nil {
		return err
	}
	if slot.ServiceID != b.Service.ID {
		return Invalid("slotId", "other_service", "Перенести можно только на время той же услуги")
	}
	if slot.InstitutionID != b.Institution.ID {
		return Invalid("slotId", "other_institution", "Перенести можно только на время в том же учреждении")
	}
	if slot.ID == b.Slot.ID {
		return Invalid("slotId", "same_slot", "Запись уже на это время")
	}
	if !slot.Start.After(now) {
		return ErrSlotInPast
	}
	return nil
}

// Attendance outcomes an operator can record.
var attendanceOutcomes = map[string]BookingStatus{"completed": StatusCompleted, "no_show": StatusNoShow}

// ParseAttendance validates the body of POST /bookings/{id}/attendance.
func ParseAttendance(s string) (BookingStatus, error) {
	st, ok := attendanceOutcomes[s]
	if !ok {
		return "", Invalid("status", "invalid_value", "Укажите completed или no_show")
	}
	return st, nil
}

// CheckAttendance says whether an operator may record the outcome of b at
// now: the booking is active and its slot has started.
func (b Booking) CheckAttendance(now time.Time) error {
	if !b.Status.Active() {
		return fmt.Errorf("booking is %s: %w", b.Status, ErrInvalidState)
	}
	if now.Before(b.Slot.Start) {
		return fmt.Errorf("the visit has not started: %w", ErrInvalidState)
	}
	return nil
}

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a code read
// aloud or typed from paper is hard to get wrong.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLength is the length of a booking code.
const CodeLength = 8

// NewCode returns a random booking code of CodeLength Crockford characters
// (40 bits). Uniqueness is enforced by the store with a conditional write.
func NewCode() string {
	b := make([]byte, CodeLength)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = crockford[int(b[i])%32]
	}
	return string(b)
}

// NormalizeCode reads a code as a person may type it: any case, with
// hyphens or spaces, O for 0 and I or L for 1.
func NormalizeCode(s string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(crockford, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	if sb.Len() != CodeLength {
		return "", false
	}
	return sb.String(), true
}
