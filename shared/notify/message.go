// Package notify writes the text of notifications to citizens about their
// bookings: an SMS that fits in MaxSMSSegments, an email with every fact and
// a push short enough not to be truncated. It knows nothing of delivery.
package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/zapis/zapis/shared/domain"

	_ "time/tzdata" // the zone database, so Compose works where the OS has none
)

// Kind is what happened to a booking.
type Kind string

// The kinds of notification.
const (
	KindConfirmed        Kind = "booking_confirmed"
	KindCancelled        Kind = "booking_cancelled"
	KindRescheduled      Kind = "booking_rescheduled"
	KindExpired          Kind = "booking_expired"
	KindDocumentRejected Kind = "document_rejected"
	KindReminder24h      Kind = "reminder_24h"
	KindReminder1h       Kind = "reminder_1h"
)

// Kinds are all kinds of notification.
var Kinds = []Kind{
	KindConfirmed, KindCancelled, KindRescheduled, KindExpired,
	KindDocumentRejected, KindReminder24h, KindReminder1h,
}

// Channel is how a notification reaches the citizen.
type Channel string

// The channels.
const (
	SMS   Channel = "sms"
	Email Channel = "email"
	Push  Channel = "push"
)

// Channels are all channels.
var Channels = []Channel{SMS, Email, Push}

// Facts are what a message may say about a booking.
type Facts struct {
	Code                                  string // 8 Crockford characters, shown as ABCD-EFGH
	ServiceName, InstitutionName, Address string
	Timezone                              string // IANA zone of the institution, e.g. "Asia/Kamchatka"
	Start                                 time.Time
	PreviousStart                         time.Time // rescheduled: the old time
	// document_rejected: the document's name and the reason code
	// (wrong_format, too_large, empty, unreadable, not_uploaded).
	DocumentName, Reason string
}

// Message is the text of one notification.
type Message struct {
	Subject string // email subject or push title; empty for SMS
	Text    string
}

// Errors of Compose.
var (
	ErrUnknownKind    = errors.New("notify: unknown kind")
	ErrUnknownChannel = errors.New("notify: unknown channel")
	ErrInvalidFacts   = errors.New("notify: invalid facts")
)

// MaxPushLength is the longest push text, in UTF-16 units: iOS truncates
// a lock-screen notification at about 178 characters.
const MaxPushLength = 178

// titles are email subjects and push titles.
var titles = map[Kind]string{
	KindConfirmed:        "Запись подтверждена",
	KindCancelled:        "Запись отменена",
	KindRescheduled:      "Запись перенесена",
	KindExpired:          "Запись отменена",
	KindDocumentRejected: "Документ отклонён",
	KindReminder24h:      "Напоминание: запись завтра",
	KindReminder1h:       "Напоминание: запись через час",
}

// reasons render rejection reasons: short for SMS and push, long for email.
var reasons = map[string]struct{ short, long string }{
	"wrong_format": {"неверный формат", "неверный формат файла, принимаются PDF, JPEG и PNG"},
	"too_large":    {"больше 5 МБ", "файл больше 5 МБ"},
	"empty":        {"файл пустой", "файл пустой"},
	"unreadable":   {"не читается", "файл не удалось прочитать"},
	"not_uploaded": {"не загружен", "файл не был загружен"},
}

// unknownReason is said of a reason this package does not know yet: the
// citizen still learns the document needs replacing.
var unknownReason = struct{ short, long string }{"не прошёл проверку", "документ не прошёл проверку"}

// Compose writes the message of kind k for channel ch. It fails for an
// unknown kind or channel and for facts without a valid code, service,
// start or zone.
func Compose(k Kind, ch Channel, f Facts) (Message, error) {
	if !slices.Contains(Kinds, k) {
		return Message{}, fmt.Errorf("%w %q", ErrUnknownKind, k)
	}
	if !slices.Contains(Channels, ch) {
		return Message{}, fmt.Errorf("%w %q", ErrUnknownChannel, ch)
	}
	v, err := newView(f)
	if err != nil {
		return Message{}, err
	}
	switch ch {
	case SMS:
		text, err := v.short(k, func(s string) bool {
			_, n := Segments(s)
			return n <= MaxSMSSegments
		}, smsLimit)
		return Message{Text: text}, err
	case Push:
		text, err := v.short(k, func(s string) bool { return utf16Len(s) <= MaxPushLength }, MaxPushLength)
		return Message{Subject: titles[k], Text: text}, err
	}
	return Message{Subject: titles[k] + " — " + v.code, Text: v.email(k)}, nil
}

// view is the facts checked and cleaned for writing.
type view struct {
	code                                    string // ABCD-EFGH
	service, institution, address, document string
	reason                                  struct{ short, long string }
	start, previous                         time.Time // in zone; previous is zero when unknown
}

// crockford is the alphabet of booking codes.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func newView(f Facts) (view, error) {
	if len(f.Code) != 8 || strings.Trim(f.Code, crockford) != "" {
		return view{}, fmt.Errorf("%w: code must be 8 Crockford characters", ErrInvalidFacts)
	}
	v := view{
		code:        f.Code[:4] + "-" + f.Code[4:],
		service:     clean(f.ServiceName),
		institution: clean(f.InstitutionName),
		address:     clean(f.Address),
		document:    clean(f.DocumentName),
	}
	if v.service == "" {
		return view{}, fmt.Errorf("%w: no service name", ErrInvalidFacts)
	}
	// LoadLocation reads "" as UTC and "Local" as the machine's zone: both
	// would print a time the institution does not keep.
	if f.Timezone == "" || f.Timezone == "Local" {
		return view{}, fmt.Errorf("%w: no time zone", ErrInvalidFacts)
	}
	zone, err := time.LoadLocation(f.Timezone)
	if err != nil {
		return view{}, fmt.Errorf("%w: time zone %q: %v", ErrInvalidFacts, f.Timezone, err)
	}
	if f.Start.IsZero() {
		return view{}, fmt.Errorf("%w: no start", ErrInvalidFacts)
	}
	v.start = f.Start.In(zone)
	if !f.PreviousStart.IsZero() {
		v.previous = f.PreviousStart.In(zone)
	}
	// Four-digit years keep the fixed part of an SMS within its room.
	for _, t := range []time.Time{v.start, v.previous} {
		if !t.IsZero() && (t.Year() < 1 || t.Year() > 9999) {
			return view{}, fmt.Errorf("%w: time %s out of range", ErrInvalidFacts, t.UTC().Format(time.RFC3339))
		}
	}
	var ok bool
	if v.reason, ok = reasons[f.Reason]; !ok {
		v.reason = unknownReason
	}
	return v, nil
}

// clean makes a name fit for one line: valid UTF-8, control characters and
// runs of spaces as one space, no trailing punctuation to clash with the
// template's own.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimRight(strings.Join(strings.Fields(s), " "), " .,;:")
}

// short writes the compact text of SMS and push. The lead, the time and the
// code are fixed; the service, then the address, then the document name are
// shortened until fits holds.
func (v view) short(k Kind, fits func(string) bool, limit int) (string, error) {
	service, address, document := v.service, v.address, v.document
	when := shortTime(v.start, true)
	render := func() string {
		var lead, body string
		details := join(service, when, address)
		switch k {
		case KindConfirmed:
			lead, body = "Запись подтверждена: ", details
		case KindCancelled:
			lead, body = "Запись отменена: ", details
		case KindExpired:
			lead, body = "Запись отменена: документы не были приняты вовремя. ", details
		case KindDocumentRejected:
			lead, body = documentLead(document)+v.reason.short+". Загрузите новый. ", details
		case KindRescheduled:
			lead, body = "Запись перенесена "+v.moved()+": ", join(service, address)
		case KindReminder24h:
			lead, body = "Напоминаем: завтра, "+when+", у вас запись: ", join(service, address)
		case KindReminder1h:
			lead, body = "Через час, "+when+", у вас запись: ", join(service, address)
		}
		// A cut name ends with «…», which already closes the sentence.
		if !strings.HasSuffix(body, "…") {
			body += "."
		}
		return lead + body + " Код " + v.code
	}
	return fit(render, fits, limit, &service, &address, &document)
}

// moved is «с 22.11.2026 10:00 на 23.11.2026 09:30 (UTC+12)», with the old
// offset only when it differs.
func (v view) moved() string {
	if v.previous.IsZero() {
		return "на " + shortTime(v.start, true)
	}
	sameOffset := domain.UTCOffset(v.previous) == domain.UTCOffset(v.start)
	return "с " + shortTime(v.previous, !sameOffset) + " на " + shortTime(v.start, true)
}

func documentLead(name string) string {
	if name == "" {
		return "Документ отклонён: "
	}
	return "Документ «" + name + "» отклонён: "
}

// email writes a letter with every fact, one per line.
func (v view) email(k Kind) string {
	var intro, advice string
	when := "Дата и время: " + longTime(v.start)
	switch k {
	case KindConfirmed:
		intro = "Ваша запись подтверждена."
		advice = "Назовите код записи в учреждении. Если планы изменятся, отмените или перенесите запись в личном кабинете — это время смогут занять другие."
	case KindCancelled:
		intro = "Ваша запись отменена."
		advice = "Если услуга по-прежнему нужна, выберите новое время на портале."
	case KindRescheduled:
		intro = "Ваша запись перенесена на другое время."
		advice = "Назовите код записи в учреждении."
		when = "Новое время: " + longTime(v.start)
		if !v.previous.IsZero() {
			when = "Прежнее время: " + longTime(v.previous) + "\n" + when
		}
	case KindExpired:
		intro = "Ваша запись отменена: документы не были приняты вовремя."
		advice = "Чтобы получить услугу, запишитесь снова и загрузите документы заранее."
	case KindDocumentRejected:
		intro = documentLead(v.document) + v.reason.long + "."
		advice = "Загрузите новый файл в личном кабинете: если документы не будут приняты вовремя, запись будет отменена."
	case KindReminder24h:
		intro = "Напоминаем: завтра у вас запись."
		advice = "Возьмите с собой документы. Если прийти не получится, отмените запись в личном кабинете — это время смогут занять другие."
	case KindReminder1h:
		intro = "Через час у вас запись."
		advice = "Возьмите с собой документы и назовите код записи в учреждении."
	}
	lines := []string{"Здравствуйте!", "", intro, "", "Услуга: " + v.service}
	if v.institution != "" {
		lines = append(lines, "Учреждение: "+v.institution)
	}
	if v.address != "" {
		lines = append(lines, "Адрес: "+v.address)
	}
	lines = append(lines, when, "Код записи: "+v.code, "", advice, "",
		"Это письмо отправлено автоматически, отвечать на него не нужно.")
	return strings.Join(lines, "\n")
}

// join lists the non-empty parts with commas.
func join(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
}

// shortTime writes t as «23.11.2026 09:30 (UTC+12)», without the offset
// when another time in the same sentence carries it.
func shortTime(t time.Time, withOffset bool) string {
	s := t.Format("02.01.2006 15:04")
	if withOffset {
		s += " (" + domain.UTCOffset(t) + ")"
	}
	return s
}

// longTime writes t as «23 ноября 2026 г., 09:30 (Asia/Kamchatka, UTC+12)».
func longTime(t time.Time) string {
	return fmt.Sprintf("%s, %s (%s, %s)", domain.RussianDate(t), t.Format("15:04"), t.Location(), domain.UTCOffset(t))
}
