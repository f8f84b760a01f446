// Package domain holds Zapis's business rules. It imports nothing from AWS:
// adapters in shared/store, shared/httpapi and friends depend on it, never the
// other way round.
package domain

import (
	"errors"
	"strings"
)

// Sentinel errors. The HTTP layer maps each one to a status and a stable code
// in a single table (shared/httpapi/errors.go); code elsewhere wraps them with
// fmt.Errorf("...: %w", ErrX) and tests them with errors.Is.
var (
	ErrValidation              = errors.New("validation failed")
	ErrUnauthorized            = errors.New("unauthorized")
	ErrForbidden               = errors.New("forbidden")
	ErrNotFound                = errors.New("not found")
	ErrSlotFull                = errors.New("slot is full")
	ErrDuplicateBooking        = errors.New("an active booking for this service already exists")
	ErrTooLate                 = errors.New("too late to change the booking")
	ErrInvalidState            = errors.New("booking is not in a state that allows this")
	ErrSlotInPast              = errors.New("slot is in the past")
	ErrNotConfirmed            = errors.New("booking is not confirmed")
	ErrRequestInProgress       = errors.New("a request with this idempotency key is in progress")
	ErrDocumentTooLarge        = errors.New("document is too large")
	ErrUnsupportedDocumentType = errors.New("unsupported document type")
	ErrProfileIncomplete       = errors.New("profile is incomplete")
	ErrIdempotencyConflict     = errors.New("idempotency key reused with a different request")
	ErrRateLimited             = errors.New("rate limited")
	ErrConflict                = errors.New("conflict")
	// ErrUnavailable marks a transient failure of a dependency (throttling,
	// transaction conflicts): the client may retry.
	ErrUnavailable = errors.New("temporarily unavailable")
)

// FieldError describes one invalid field. Field is a JSON path such as
// "passport.series" or "slots[2].end"; Code is stable English; Message is
// Russian text for people.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError carries per-field errors. errors.Is(err, ErrValidation)
// holds for it.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Code)
	}
	return "validation failed: " + strings.Join(parts, ", ")
}

func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Problems collects field errors while a request is checked.
type Problems struct {
	fields []FieldError
}

// Add records that field failed with code; message is Russian.
func (p *Problems) Add(field, code, message string) {
	p.fields = append(p.fields, FieldError{Field: field, Code: code, Message: message})
}

// AddAll records every field error of err when it is a *ValidationError,
// prefixing the field names; it reports whether err was one.
func (p *Problems) AddAll(prefix string, err error) bool {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range ve.Fields {
		name := f.Field
		if prefix != "" {
			if name == "" {
				name = prefix
			} else {
				name = prefix + "." + name
			}
		}
		p.fields = append(p.fields, FieldError{Field: name, Code: f.Code, Message: f.Message})
	}
	return true
}

// Has reports whether field already has an error.
func (p *Problems) Has(field string) bool {
	for _, f := range p.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns a *ValidationError when anything was recorded, nil otherwise.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: append([]FieldError(nil), p.fields...)}
}

// Invalid is a shortcut for a single-field validation error.
func Invalid(field, code, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Code: code, Message: message}}}
}
