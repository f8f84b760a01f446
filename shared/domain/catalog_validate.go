package domain

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Validation of the catalog as an admin submits it (POST /services,
// POST /institutions). Normalize returns every field error at once, with JSON
// paths such as "requiredDocuments[1].type" or "workHours.mon[0].to".

// Limits of a service.
const (
	MinServiceDuration    = 5   // minutes
	MaxServiceDuration    = 480 // minutes: one working day
	MaxCancelBeforeHours  = 168 // one week
	MaxRequiredDocuments  = 20
	maxCatalogNameLen     = 200
	maxServiceDescription = 2000
	maxAddressLen         = 500
)

// documentTypeRe is the slug a required document's type must be; it becomes
// part of storage keys (DOC#<type>#<id>) and upload paths.
var documentTypeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,49}$`)

// RussianTimezones lists the IANA zones in use in Russia, west to east.
var RussianTimezones = []string{
	"Europe/Kaliningrad",
	"Europe/Moscow", "Europe/Simferopol", "Europe/Kirov", "Europe/Volgograd",
	"Europe/Astrakhan", "Europe/Saratov", "Europe/Ulyanovsk", "Europe/Samara",
	"Asia/Yekaterinburg", "Asia/Omsk",
	"Asia/Novosibirsk", "Asia/Barnaul", "Asia/Tomsk", "Asia/Novokuznetsk", "Asia/Krasnoyarsk",
	"Asia/Irkutsk",
	"Asia/Chita", "Asia/Yakutsk", "Asia/Khandyga",
	"Asia/Vladivostok", "Asia/Ust-Nera",
	"Asia/Magadan", "Asia/Sakhalin", "Asia/Srednekolymsk",
	"Asia/Kamchatka", "Asia/Anadyr",
}

// IsRussianTimezone reports whether name is one of RussianTimezones.
func IsRussianTimezone(name string) bool { return slices.Contains(RussianTimezones, name) }

// checkCatalogText collapses white space in s and checks that it is present and at
// most max characters long; it records problems under field.
func checkCatalogText(probs *Problems, field, s string, max int, what string) string {
	s = collapseSpaces(s)
	switch {
	case s == "":
		probs.Add(field, codeRequired, "Укажите "+what)
	case utf8.RuneCountInString(s) > max:
		probs.Add(field, codeTooLong, fmt.Sprintf("Не длиннее %d символов", max))
	}
	return s
}

// Validate reports whether s is acceptable; see Normalize.
func (s Service) Validate() error {
	_, err := s.Normalize()
	return err
}

// Normalize checks a service and returns a cleaned copy: white space
// collapsed, CancelBeforeHours defaulted to DefaultCancelBeforeHours when 0,
// RequiredDocuments never nil. The ID is not checked: the server assigns it.
func (s Service) Normalize() (Service, error) {
	var probs Problems
	out := s
	out.Name = checkCatalogText(&probs, "name", s.Name, maxCatalogNameLen, "название услуги")
	if n := utf8.RuneCountInString(out.Name); n > 0 && n < 3 {
		probs.Add("name", "too_short", "Название должно быть не короче 3 символов")
	}
	switch {
	case s.Category == "":
		probs.Add("category", codeRequired, "Укажите категорию")
	case !s.Category.Valid():
		probs.Add("category", codeInvalidValue, "Неизвестная категория")
	}
	out.Department = checkCatalogText(&probs, "department", s.Department, maxCatalogNameLen, "ведомство")
	out.Description = strings.TrimSpace(s.Description)
	if utf8.RuneCountInString(out.Description) > maxServiceDescription {
		probs.Add("description", codeTooLong, fmt.Sprintf("Не длиннее %d символов", maxServiceDescription))
	}
	if s.DurationMinutes < MinServiceDuration || s.DurationMinutes > MaxServiceDuration {
		probs.Add("durationMinutes", codeOutOfRange,
			fmt.Sprintf("Длительность приёма — от %d до %d минут", MinServiceDuration, MaxServiceDuration))
	}
	switch {
	case s.CancelBeforeHours < 0 || s.CancelBeforeHours > MaxCancelBeforeHours:
		probs.Add("cancelBeforeHours", codeOutOfRange,
			fmt.Sprintf("Срок отмены — от 0 до %d часов", MaxCancelBeforeHours))
	case s.CancelBeforeHours == 0:
		// The API has no way to say "no window": 0 is an unset field.
		out.CancelBeforeHours = DefaultCancelBeforeHours
	}
	out.RequiredDocuments = normalizeRequiredDocuments(&probs, s.RequiredDocuments)
	if err := probs.Err(); err != nil {
		return s, err
	}
	return out, nil
}

func normalizeRequiredDocuments(probs *Problems, docs []RequiredDocument) []RequiredDocument {
	if len(docs) > MaxRequiredDocuments {
		probs.Add("requiredDocuments", codeTooLong,
			fmt.Sprintf("Не больше %d документов", MaxRequiredDocuments))
	}
	out := make([]RequiredDocument, 0, len(docs))
	seen := make(map[string]bool, len(docs))
	for i, d := range docs {
		field := fmt.Sprintf("requiredDocuments[%d]", i)
		d.Type = strings.TrimSpace(d.Type)
		switch {
		case d.Type == "":
			probs.Add(field+".type", codeRequired, "Укажите тип документа")
		case !documentTypeRe.MatchString(d.Type):
			probs.Add(field+".type", codeInvalidFormat,
				"Тип документа: латинские строчные буквы, цифры и _, от 2 до 50 символов, начинается с буквы")
		case seen[d.Type]:
			probs.Add(field+".type", codeDuplicate, "Такой тип документа уже указан")
		}
		seen[d.Type] = true
		d.Name = checkCatalogText(probs, field+".name", d.Name, maxCatalogNameLen, "название документа")
		out = append(out, d)
	}
	return out
}

// Validate reports whether in is acceptable; see Normalize.
func (in Institution) Validate() error {
	_, err := in.Normalize()
	return err
}

// Normalize checks an institution and returns a cleaned copy: text trimmed,
// phone in E.164, e-mail domain lower-cased, each day's intervals sorted,
// WorkHours and ServiceIDs never nil. The ID is not checked, nor whether the
// services exist: that needs the store.
func (in Institution) Normalize() (Institution, error) {
	var probs Problems
	out := in
	out.Name = checkCatalogText(&probs, "name", in.Name, maxCatalogNameLen, "название учреждения")
	switch {
	case in.Kind == "":
		probs.Add("kind", codeRequired, "Укажите тип учреждения")
	case !in.Kind.Valid():
		probs.Add("kind", codeInvalidValue, "Неизвестный тип учреждения")
	}
	out.Region = checkCatalogText(&probs, "region", in.Region, maxCatalogNameLen, "регион")
	out.Locality = checkCatalogText(&probs, "locality", in.Locality, maxCatalogNameLen, "населённый пункт")
	out.Address = checkCatalogText(&probs, "address", in.Address, maxAddressLen, "адрес")
	var err error
	if out.Phone, err = NormalizePhone(in.Phone); err != nil {
		probs.AddAll("phone", err)
	}
	if out.Email, err = NormalizeEmail(in.Email); err != nil {
		probs.AddAll("email", err)
	}
	out.Timezone = strings.TrimSpace(in.Timezone)
	switch {
	case out.Timezone == "":
		probs.Add("timezone", codeRequired, "Укажите часовой пояс")
	case !IsRussianTimezone(out.Timezone):
		probs.Add("timezone", codeInvalidValue, "Часовой пояс должен быть одним из часовых поясов России, например Europe/Moscow")
	default:
		if _, err := time.LoadLocation(out.Timezone); err != nil {
			// The zone is right but this build has no tz database for it.
			probs.Add("timezone", codeInvalidValue, "Часовой пояс не найден в базе часовых поясов")
		}
	}
	out.WorkHours = normalizeWorkHours(&probs, in.WorkHours)
	out.ServiceIDs = normalizeServiceIDs(&probs, in.ServiceIDs)
	if err := probs.Err(); err != nil {
		return in, err
	}
	return out, nil
}

// normalizeWorkHours checks the weekly opening hours: known day keys only,
// "HH:MM" times (00:00–24:00) with from < to, no overlaps. Each day comes back
// sorted and empty days are dropped; touching intervals (09:00–13:00,
// 13:00–17:00) are fine. Codes and messages match Schedule.Normalize, which
// checks the same Weekly type, so clients handle both alike.
func normalizeWorkHours(probs *Problems, w Weekly) Weekly {
	out := make(Weekly, len(w))
	for _, key := range WeekdayKeys {
		type span struct{ from, to, idx int }
		var spans []span
		for i, iv := range w[key] {
			field := fmt.Sprintf("workHours.%s[%d]", key, i)
			from, okFrom := clockMinutes(iv.From)
			to, okTo := clockMinutes(iv.To)
			if !okFrom {
				probs.Add(field+".from", "invalid_time", "Время должно быть в формате ЧЧ:ММ от 00:00 до 24:00")
			}
			if !okTo {
				probs.Add(field+".to", "invalid_time", "Время должно быть в формате ЧЧ:ММ от 00:00 до 24:00")
			}
			if !okFrom || !okTo {
				continue
			}
			if from >= to {
				probs.Add(field+".to", "end_before_start", "Окончание должно быть позже начала")
				continue
			}
			spans = append(spans, span{from, to, i})
		}
		slices.SortStableFunc(spans, func(a, b span) int { return a.from - b.from })
		var day []Interval
		for j, s := range spans {
			if j > 0 && s.from < spans[j-1].to {
				probs.Add(fmt.Sprintf("workHours.%s[%d].from", key, s.idx), "overlap",
					"Интервал пересекается с другим интервалом этого дня")
			}
			day = append(day, Interval{From: formatClock(s.from), To: formatClock(s.to)})
		}
		if len(day) > 0 {
			out[key] = day
		}
	}
	// Unknown keys last, sorted, so errors come in a stable order.
	for _, key := range slices.Sorted(maps.Keys(w)) {
		if !slices.Contains(WeekdayKeys, key) {
			probs.Add("workHours."+key, "unknown_weekday", "День недели должен быть одним из mon, tue, wed, thu, fri, sat, sun")
		}
	}
	return out
}

// clockMinutes parses a strict "HH:MM" into minutes after midnight; 24:00 is
// the end of the day.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, false
	}
	return h*60 + m, true
}

func formatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// normalizeServiceIDs trims the ids and refuses empty and repeated ones.
func normalizeServiceIDs(probs *Problems, ids []string) []string {
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		field := fmt.Sprintf("serviceIds[%d]", i)
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			probs.Add(field, codeRequired, "Укажите идентификатор услуги")
		case slices.Contains(out, id):
			probs.Add(field, codeDuplicate, "Услуга указана дважды")
		}
		out = append(out, id)
	}
	return out
}
