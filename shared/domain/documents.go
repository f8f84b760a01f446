package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// MaxDocumentSize is the largest document a citizen may upload (5 MiB).
const MaxDocumentSize = 5242880

// MaxUploadsPerType bounds the uploads of one document type on a booking, so
// a client loop cannot fill the bucket.
const MaxUploadsPerType = 10

// DocIssued is the state of a document whose upload URL was handed out but
// which was not submitted yet. It never shows on a booking's
// requiredDocuments: the booking still says missing (or what the previous
// upload of that type says).
const DocIssued DocumentStatus = "issued"

// Document content types accepted for upload.
var documentContentTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// Rejection reasons (API.md).
const (
	ReasonNotUploaded = "not_uploaded"
	ReasonEmpty       = "empty"
	ReasonTooLarge    = "too_large"
	ReasonWrongFormat = "wrong_format"
	ReasonUnreadable  = "unreadable"
)

// History actions of documents and tickets.
const (
	ActionDocumentSubmitted = "document_submitted"
	ActionDocumentAccepted  = "document_accepted"
	ActionDocumentRejected  = "document_rejected"
	ActionTicketReissued    = "ticket_reissued"
)

// Document is one uploaded file of a booking. Replacing a document makes a
// new one; the old stays, so what was uploaded when is never lost.
type Document struct {
	ID          string         `json:"documentId"`
	BookingID   string         `json:"bookingId"`
	Type        string         `json:"type"`
	FileName    string         `json:"fileName"`
	ContentType string         `json:"contentType"`
	Size        int64          `json:"size"` // as declared by the client
	ObjectKey   string         `json:"objectKey"`
	Status      DocumentStatus `json:"status"`
	Reason      string         `json:"reason,omitempty"`
	ActualSize  int64          `json:"actualSize,omitempty"`
	CreatedAt   time.Time      `json:"createdAt"`
	SubmittedAt time.Time      `json:"submittedAt,omitzero"`
	CheckedAt   time.Time      `json:"checkedAt,omitzero"`
}

// UploadRequest is the body of POST /bookings/{id}/documents.
type UploadRequest struct {
	Type        string `json:"type"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// NormalizeContentType lower-cases a media type and drops its parameters.
func NormalizeContentType(s string) string {
	s, _, _ = strings.Cut(s, ";")
	return strings.ToLower(strings.TrimSpace(s))
}

// FieldsError is a sentinel error with per-field details, for the errors
// that have their own code (unsupported_document_type, document_too_large)
// but still say which field is wrong.
type FieldsError struct {
	Err    error
	Fields []FieldError
}

func (e *FieldsError) Error() string { return e.Err.Error() + ": " + e.Fields[0].Field }
func (e *FieldsError) Unwrap() error { return e.Err }

// FieldErrors returns the fields of a ValidationError or a FieldsError.
func FieldErrors(err error) []FieldError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	var fe *FieldsError
	if errors.As(err, &fe) {
		return fe.Fields
	}
	return nil
}

// CheckUpload validates an upload of a document for b: the booking is
// pending, the type is one the service asks for, the content is PDF, JPEG
// or PNG of at most MaxDocumentSize bytes. uploads counts the earlier
// uploads of the same type.
func (b Booking) CheckUpload(req UploadRequest, uploads int) error {
	var p Problems
	req.Type = strings.TrimSpace(req.Type)
	if req.Type == "" {
		p.Add("type", "required", "Укажите тип документа")
	}
	name := strings.TrimSpace(req.FileName)
	switch {
	case name == "":
		p.Add("fileName", "required", "Укажите имя файла")
	case len([]rune(name)) > 255:
		p.Add("fileName", "too_long", "Имя файла — не длиннее 255 символов")
	case strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, unicode.IsControl):
		p.Add("fileName", "invalid_format", "Имя файла без пути и управляющих символов")
	}
	if strings.TrimSpace(req.ContentType) == "" {
		p.Add("contentType", "required", "Укажите тип содержимого: application/pdf, image/jpeg или image/png")
	}
	if req.Size <= 0 {
		p.Add("size", "out_of_range", "Размер файла должен быть больше нуля")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if b.Status != StatusPending {
		return fmt.Errorf("documents of a %s booking: %w", b.Status, ErrInvalidState)
	}
	if !documentContentTypes[NormalizeContentType(req.ContentType)] {
		return &FieldsError{Err: ErrUnsupportedDocumentType, Fields: []FieldError{{Field: "contentType", Code: "unsupported_content_type", Message: "Принимаются только PDF, JPEG и PNG"}}}
	}
	if _, ok := b.RequiredDocument(req.Type); !ok {
		return &FieldsError{Err: ErrUnsupportedDocumentType, Fields: []FieldError{{Field: "type", Code: "not_required", Message: "Услуга не требует такого документа"}}}
	}
	if req.Size > MaxDocumentSize {
		return &FieldsError{Err: ErrDocumentTooLarge, Fields: []FieldError{{Field: "size", Code: "too_large", Message: "Файл больше 5 МБ (5242880 байт)"}}}
	}
	if uploads >= MaxUploadsPerType {
		return fmt.Errorf("%d uploads of %s: %w", uploads, req.Type, ErrRateLimited)
	}
	return nil
}

// RequiredDocument returns the booking's entry for a document type.
func (b Booking) RequiredDocument(docType string) (BookingDocument, bool) {
	for _, d := range b.RequiredDocuments {
		if d.Type == docType {
			return d, true
		}
	}
	return BookingDocument{}, false
}

// CheckSubmit says what submitting d does: issue is true when d must move to
// uploaded (first submit); false with a nil error when it is already queued
// or being checked, so the check is only queued again (a client retrying
// after a lost answer must not get an error).
func (b Booking) CheckSubmit(d Document) (issue bool, err error) {
	if b.Status != StatusPending {
		return false, fmt.Errorf("documents of a %s booking: %w", b.Status, ErrInvalidState)
	}
	switch d.Status {
	case DocIssued:
		return true, nil
	case DocUploaded, DocChecking:
		return false, nil
	}
	return false, fmt.Errorf("document is %s; upload a new one: %w", d.Status, ErrInvalidState)
}

// WithDocument returns b with the entry of d's type showing d, when d is
// the latest submitted document of that type (or is being submitted now).
func (b Booking) WithDocument(d Document) Booking {
	docs := make([]BookingDocument, len(b.RequiredDocuments))
	copy(docs, b.RequiredDocuments)
	for i, e := range docs {
		if e.Type != d.Type {
			continue
		}
		if e.DocumentID != "" && e.DocumentID != d.ID && d.Status != DocUploaded {
			continue // a newer upload of this type replaced d
		}
		docs[i].DocumentID = d.ID
		docs[i].Status = d.Status
		docs[i].Reason = ""
		if d.Status == DocRejected {
			docs[i].Reason = d.Reason
		}
	}
	b.RequiredDocuments = docs
	return b
}

// Document returns the booking's upload with id.
func (b Booking) Document(id string) (Document, bool) {
	for _, d := range b.Documents {
		if d.ID == id {
			return d, true
		}
	}
	return Document{}, false
}

// Shows reports whether d is the document b's entry for its type shows.
func (b Booking) Shows(d Document) bool {
	e, ok := b.RequiredDocument(d.Type)
	return ok && e.DocumentID == d.ID
}

// CheckCheckIn says whether a visitor with booking b may be checked in at
// institution on now: only confirmed bookings of that institution, on the
// visit's local date.
func (b Booking) CheckCheckIn(institutionID string, now time.Time) error {
	if b.Institution.ID != institutionID {
		return fmt.Errorf("booking of another institution: %w", ErrNotFound)
	}
	switch b.Status {
	case StatusConfirmed:
	case StatusPending:
		return fmt.Errorf("booking is pending: %w", ErrNotConfirmed)
	default:
		return fmt.Errorf("booking is %s: %w", b.Status, ErrInvalidState)
	}
	loc, err := time.LoadLocation(b.Institution.Timezone)
	if err != nil {
		return fmt.Errorf("institution zone %q: %w", b.Institution.Timezone, err)
	}
	if LocalDate(now, loc) != LocalDate(b.Slot.Start, loc) {
		return fmt.Errorf("the visit is on %s: %w", LocalDate(b.Slot.Start, loc), ErrInvalidState)
	}
	return nil
}

// Attendance values.
const AttendanceArrived = "arrived"
