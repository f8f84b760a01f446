package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/zapis/zapis/shared/domain"
)

// Problem is an RFC 9457 problem+json body.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Code   string              `json:"code"`
	Detail string              `json:"detail,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
}

// problemBase prefixes every problem type; each code has its own page.
const problemBase = "https://zapis.example.ru/problems/"

// Errors of the HTTP layer itself, not of the domain.
var (
	errRouteNotFound    = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed")
	errBodyTooLarge     = errors.New("request body too large")
	errUnsupportedMedia = errors.New("unsupported media type")
	errMalformedJSON    = errors.New("malformed JSON")
)

// errorMapping is the one table that turns an error into an HTTP answer.
// Order matters only where one error wraps another; the first match wins.
var errorMapping = []struct {
	err    error
	status int
	code   string
	ru, en string
}{
	{domain.ErrValidation, http.StatusBadRequest, "validation_failed", "Ошибка в данных запроса", "The request has invalid fields"},
	{errMalformedJSON, http.StatusBadRequest, "validation_failed", "Тело запроса не является корректным JSON", "The request body is not valid JSON"},
	{domain.ErrDocumentTooLarge, http.StatusBadRequest, "document_too_large", "Документ больше 5 МБ", "The document is larger than 5 MiB"},
	{domain.ErrUnsupportedDocumentType, http.StatusBadRequest, "unsupported_document_type", "Этот тип документа не принимается", "This document type is not accepted"},
	{domain.ErrUnauthorized, http.StatusUnauthorized, "unauthorized", "Требуется вход в систему", "Authentication is required"},
	{domain.ErrForbidden, http.StatusForbidden, "forbidden", "Недостаточно прав", "You are not allowed to do this"},
	{domain.ErrNotFound, http.StatusNotFound, "not_found", "Не найдено", "Not found"},
	{errRouteNotFound, http.StatusNotFound, "not_found", "Такого адреса нет", "No such route"},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed", "Метод не поддерживается", "Method not allowed"},
	{domain.ErrSlotFull, http.StatusConflict, "slot_full", "На это время мест больше нет", "This time slot is full"},
	{domain.ErrDuplicateBooking, http.StatusConflict, "duplicate_booking", "У вас уже есть запись на эту услугу", "You already have an active booking for this service"},
	{domain.ErrTooLate, http.StatusConflict, "too_late", "Изменить запись уже нельзя: до приёма осталось слишком мало времени", "It is too late to change this booking"},
	{domain.ErrInvalidState, http.StatusConflict, "invalid_state", "Запись в таком состоянии нельзя изменить", "The booking cannot be changed in its current state"},
	{domain.ErrSlotInPast, http.StatusConflict, "slot_in_past", "Это время уже прошло", "This time slot is in the past"},
	{domain.ErrNotConfirmed, http.StatusConflict, "not_confirmed", "Запись ещё не подтверждена", "The booking is not confirmed yet"},
	{domain.ErrRequestInProgress, http.StatusConflict, "request_in_progress", "Запрос уже выполняется, повторите позже", "The same request is still in progress; retry later"},
	{domain.ErrConflict, http.StatusConflict, "conflict", "Такой объект уже существует", "The resource already exists"},
	{errBodyTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large", "Тело запроса больше 1 МБ", "The request body is larger than 1 MiB"},
	{errUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type", "Ожидается Content-Type: application/json", "Content-Type must be application/json"},
	{domain.ErrProfileIncomplete, http.StatusUnprocessableEntity, "profile_incomplete", "Заполните профиль полностью", "Complete your profile first"},
	{domain.ErrIdempotencyConflict, http.StatusUnprocessableEntity, "idempotency_conflict", "Ключ идемпотентности уже использован с другим запросом", "The Idempotency-Key was used with a different request"},
	{domain.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", "Слишком много запросов, повторите позже", "Too many requests"},
	{domain.ErrUnavailable, http.StatusServiceUnavailable, "service_unavailable", "Сервис временно перегружен, повторите через несколько секунд", "The service is busy; retry in a few seconds"},
}

var internalProblem = struct {
	code   string
	ru, en string
}{"internal_error", "Внутренняя ошибка сервиса", "Internal error"}

// problemFor builds the problem for err; ok is false for unexpected errors
// (answered with 500 and logged).
func problemFor(err error, english bool) (p Problem, ok bool) {
	for _, m := range errorMapping {
		if !errors.Is(err, m.err) {
			continue
		}
		p = Problem{Type: problemBase + m.code, Title: m.ru, Status: m.status, Code: m.code}
		if english {
			p.Title = m.en
		}
		p.Errors = domain.FieldErrors(err)
		var d *detailed
		if errors.As(err, &d) {
			p.Detail = d.detail
		}
		return p, true
	}
	title := internalProblem.ru
	if english {
		title = internalProblem.en
	}
	return Problem{Type: problemBase + internalProblem.code, Title: title, Status: http.StatusInternalServerError, Code: internalProblem.code}, false
}

// detailed attaches a human detail to an error without changing what it is.
type detailed struct {
	err    error
	detail string
}

func (d *detailed) Error() string { return d.err.Error() + ": " + d.detail }
func (d *detailed) Unwrap() error { return d.err }

// withDetail wraps err with a detail shown to the client.
func withDetail(err error, detail string) error { return &detailed{err: err, detail: detail} }

// wantsEnglish reports whether the client asked for English text.
func wantsEnglish(r *http.Request) bool {
	al := strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language")))
	return strings.HasPrefix(al, "en")
}
