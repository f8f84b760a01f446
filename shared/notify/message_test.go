package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// instant is 09:30 on 23 November 2026 in Kamchatka, 00:30 that day in
// Moscow and 23:30 the day before in Kaliningrad.
var instant = time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)

func realistic() Facts {
	return Facts{
		Code:            "7K3M9QXA",
		ServiceName:     "Получение паспорта гражданина РФ",
		InstitutionName: "МФЦ Камчатского края, отделение «Центральное»",
		Address:         "г. Петропавловск-Камчатский, ул. Ленинская, д. 12",
		Timezone:        "Asia/Kamchatka",
		Start:           instant,
		PreviousStart:   instant.Add(-23*time.Hour - 30*time.Minute),
		DocumentName:    "Медицинская справка 086/у",
		Reason:          "wrong_format",
	}
}

const code = "7K3M-9QXA"

// checkShort checks the limits of SMS and push and that code and time are
// there in full.
func checkShort(t *testing.T, ch Channel, m Message, wantTime string) {
	t.Helper()
	switch ch {
	case SMS:
		if m.Subject != "" {
			t.Errorf("SMS with a subject %q", m.Subject)
		}
		if enc, n := Segments(m.Text); n > MaxSMSSegments {
			t.Errorf("SMS of %d %s segments: %q", n, enc, m.Text)
		}
	case Push:
		if m.Subject == "" {
			t.Error("push without a title")
		}
		if n := utf16Len(m.Text); n > MaxPushLength || utf8.RuneCountInString(m.Text) > MaxPushLength {
			t.Errorf("push of %d units: %q", n, m.Text)
		}
	}
	for _, s := range []string{code, wantTime} {
		if !strings.Contains(m.Text, s) {
			t.Errorf("%s text lacks %q: %q", ch, s, m.Text)
		}
	}
}

func TestComposeEveryKindAndChannel(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds {
		for _, ch := range Channels {
			t.Run(string(k)+"/"+string(ch), func(t *testing.T) {
				t.Parallel()
				f := realistic()
				m, err := Compose(k, ch, f)
				if err != nil {
					t.Fatal(err)
				}
				if again, _ := Compose(k, ch, f); again != m {
					t.Errorf("not deterministic: %+v then %+v", m, again)
				}
				if ch != Email {
					checkShort(t, ch, m, "23.11.2026 09:30 (UTC+12)")
					// Realistic names are shortened, not dropped.
					for _, s := range []string{"Получение", "Петропавл"} {
						if !strings.Contains(m.Text, s) {
							t.Errorf("lacks %q: %q", s, m.Text)
						}
					}
					return
				}
				if !strings.Contains(m.Subject, code) || utf8.RuneCountInString(m.Subject) > 60 {
					t.Errorf("subject %q", m.Subject)
				}
				for _, s := range []string{
					code, "23 ноября 2026 г., 09:30 (Asia/Kamchatka, UTC+12)",
					f.ServiceName, f.InstitutionName, f.Address, "\n",
				} {
					if !strings.Contains(m.Text, s) {
						t.Errorf("email lacks %q:\n%s", s, m.Text)
					}
				}
			})
		}
	}
}

func TestComposeZones(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, short, long string
	}{
		{"Europe/Kaliningrad", "22.11.2026 23:30 (UTC+2)", "22 ноября 2026 г., 23:30 (Europe/Kaliningrad, UTC+2)"},
		{"Europe/Moscow", "23.11.2026 00:30 (UTC+3)", "23 ноября 2026 г., 00:30 (Europe/Moscow, UTC+3)"},
		{"Asia/Kamchatka", "23.11.2026 09:30 (UTC+12)", "23 ноября 2026 г., 09:30 (Asia/Kamchatka, UTC+12)"},
		{"Asia/Kolkata", "23.11.2026 03:00 (UTC+5:30)", "23 ноября 2026 г., 03:00 (Asia/Kolkata, UTC+5:30)"},
		{"UTC", "22.11.2026 21:30 (UTC)", "22 ноября 2026 г., 21:30 (UTC, UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			f := realistic()
			f.Timezone = tt.zone
			for _, ch := range Channels {
				m, err := Compose(KindConfirmed, ch, f)
				if err != nil {
					t.Fatal(err)
				}
				want := tt.short
				if ch == Email {
					want = tt.long
				}
				if !strings.Contains(m.Text, want) {
					t.Errorf("%s lacks %q: %q", ch, want, m.Text)
				}
			}
		})
	}
}

func TestComposeLongInputs(t *testing.T) {
	t.Parallel()
	words := ""
	for utf8.RuneCountInString(words) < 200 {
		words += "Выдача справки о наличии или отсутствии судимости "
	}
	tests := []struct {
		name string
		edit func(*Facts)
	}{
		{"long words", func(f *Facts) {
			f.ServiceName, f.Address, f.DocumentName, f.InstitutionName = words, words, words, words
		}},
		{"one 200-letter word", func(f *Facts) {
			w := strings.Repeat("я", 200)
			f.ServiceName, f.Address, f.DocumentName = w, w, w
		}},
		{"emoji", func(f *Facts) {
			w := strings.Repeat("😀 ", 100)
			f.ServiceName, f.Address, f.DocumentName = w, w, w
		}},
		{"long service only", func(f *Facts) { f.ServiceName = words }},
		{"long address only", func(f *Facts) { f.Address = words }},
		{"control characters", func(f *Facts) {
			f.ServiceName = strings.Repeat("Услуга\n\t\x00\x1b", 50)
			f.Address = "\xff\xfe" + words
		}},
		{"unknown reason, other offsets", func(f *Facts) {
			f.ServiceName, f.Address, f.Reason = words, words, strings.Repeat("x", 500)
			f.Timezone = "Europe/Berlin" // UTC+1 now, UTC+2 at the previous time
			f.PreviousStart = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := realistic()
			tt.edit(&f)
			for _, k := range Kinds {
				for _, ch := range []Channel{SMS, Push} {
					m, err := Compose(k, ch, f)
					if err != nil {
						t.Fatalf("%s/%s: %v", k, ch, err)
					}
					want := shortTime(instant.In(mustZone(t, f.Timezone)), true)
					checkShort(t, ch, m, want)
				}
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestComposeRescheduled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		zone        string
		previous    time.Time
		short, long []string
	}{
		{
			"same offset", "Asia/Kamchatka", instant.Add(-23*time.Hour - 30*time.Minute),
			[]string{"Запись перенесена с 22.11.2026 10:00 на 23.11.2026 09:30 (UTC+12)"},
			[]string{
				"Прежнее время: 22 ноября 2026 г., 10:00 (Asia/Kamchatka, UTC+12)",
				"Новое время: 23 ноября 2026 г., 09:30 (Asia/Kamchatka, UTC+12)",
			},
		},
		{
			"offset changed", "Europe/Berlin", time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC),
			[]string{"с 01.07.2026 10:00 (UTC+2) на 22.11.2026 22:30 (UTC+1)"},
			[]string{
				"Прежнее время: 1 июля 2026 г., 10:00 (Europe/Berlin, UTC+2)",
				"Новое время: 22 ноября 2026 г., 22:30 (Europe/Berlin, UTC+1)",
			},
		},
		{
			"previous unknown", "Asia/Kamchatka", time.Time{},
			[]string{"Запись перенесена на 23.11.2026 09:30 (UTC+12)"},
			[]string{"Новое время: 23 ноября 2026 г., 09:30 (Asia/Kamchatka, UTC+12)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := realistic()
			f.Timezone, f.PreviousStart = tt.zone, tt.previous
			for _, ch := range Channels {
				m, err := Compose(KindRescheduled, ch, f)
				if err != nil {
					t.Fatal(err)
				}
				want := tt.short
				if ch == Email {
					want = tt.long
				}
				for _, s := range want {
					if !strings.Contains(m.Text, s) {
						t.Errorf("%s lacks %q: %q", ch, s, m.Text)
					}
				}
			}
		})
	}
}

func TestComposeDocumentRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason, short, long string
	}{
		{"wrong_format", "неверный формат", "неверный формат файла, принимаются PDF, JPEG и PNG"},
		{"too_large", "больше 5 МБ", "файл больше 5 МБ"},
		{"empty", "файл пустой", "файл пустой"},
		{"unreadable", "не читается", "файл не удалось прочитать"},
		{"not_uploaded", "не загружен", "файл не был загружен"},
		{"", "не прошёл проверку", "документ не прошёл проверку"},
		{"virus_found", "не прошёл проверку", "документ не прошёл проверку"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			f := realistic()
			f.DocumentName, f.Reason = "Паспорт", tt.reason
			for _, ch := range Channels {
				m, err := Compose(KindDocumentRejected, ch, f)
				if err != nil {
					t.Fatal(err)
				}
				want := "Документ «Паспорт» отклонён: " + tt.short + ". Загрузите новый."
				if ch == Email {
					want = "Документ «Паспорт» отклонён: " + tt.long + "."
				}
				if !strings.Contains(m.Text, want) {
					t.Errorf("%s lacks %q: %q", ch, want, m.Text)
				}
				if tt.reason != "" && strings.Contains(m.Text, tt.reason) {
					t.Errorf("%s shows the reason code: %q", ch, m.Text)
				}
			}
		})
	}
}

func TestComposeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind Kind
		ch   Channel
		edit func(*Facts)
		want error
	}{
		{"unknown kind", "booking_lost", SMS, nil, ErrUnknownKind},
		{"empty kind", "", Email, nil, ErrUnknownKind},
		{"unknown channel", KindConfirmed, "fax", nil, ErrUnknownChannel},
		{"no code", KindConfirmed, SMS, func(f *Facts) { f.Code = "" }, ErrInvalidFacts},
		{"short code", KindConfirmed, SMS, func(f *Facts) { f.Code = "7K3M9QX" }, ErrInvalidFacts},
		{"formatted code", KindConfirmed, SMS, func(f *Facts) { f.Code = "7K3M-9QXA" }, ErrInvalidFacts},
		{"lower-case code", KindConfirmed, SMS, func(f *Facts) { f.Code = "7k3m9qxa" }, ErrInvalidFacts},
		{"code with U", KindConfirmed, SMS, func(f *Facts) { f.Code = "7K3M9QXU" }, ErrInvalidFacts},
		{"no service", KindConfirmed, Push, func(f *Facts) { f.ServiceName = "" }, ErrInvalidFacts},
		{"blank service", KindConfirmed, Push, func(f *Facts) { f.ServiceName = " \n\t" }, ErrInvalidFacts},
		{"no start", KindReminder1h, Email, func(f *Facts) { f.Start = time.Time{} }, ErrInvalidFacts},
		{"no zone", KindConfirmed, SMS, func(f *Facts) { f.Timezone = "" }, ErrInvalidFacts},
		{"local zone", KindConfirmed, SMS, func(f *Facts) { f.Timezone = "Local" }, ErrInvalidFacts},
		{"unknown zone", KindConfirmed, SMS, func(f *Facts) { f.Timezone = "Asia/Atlantis" }, ErrInvalidFacts},
		{"year 10000", KindConfirmed, SMS, func(f *Facts) { f.Start = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrInvalidFacts},
		{"previous out of range", KindRescheduled, SMS, func(f *Facts) { f.PreviousStart = time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrInvalidFacts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := realistic()
			if tt.edit != nil {
				tt.edit(&f)
			}
			m, err := Compose(tt.kind, tt.ch, f)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Compose error %v, want %v", err, tt.want)
			}
			if m != (Message{}) {
				t.Errorf("message with an error: %+v", m)
			}
		})
	}
}

func TestComposeWithoutOptionalFacts(t *testing.T) {
	t.Parallel()
	f := Facts{Code: "7K3M9QXA", ServiceName: "Замена водительского удостоверения", Timezone: "Europe/Moscow", Start: instant}
	for _, k := range Kinds {
		for _, ch := range Channels {
			m, err := Compose(k, ch, f)
			if err != nil {
				t.Fatalf("%s/%s: %v", k, ch, err)
			}
			if strings.Contains(m.Text, ", .") || strings.Contains(m.Text, "«»") || strings.Contains(m.Text, "Адрес:") {
				t.Errorf("%s/%s shows a missing fact: %q", k, ch, m.Text)
			}
		}
	}
}
