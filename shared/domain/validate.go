package domain

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Validators for Russian personal identifiers.
//
// Style: every validator is a pure function that returns the normalised value
// and, on failure, a *ValidationError with one FieldError whose Field is "".
// The caller names the field when it collects the error:
//
//	snils, err := NormalizeSNILS(in.SNILS)
//	problems.AddAll("snils", err)
//
// errors.Is(err, ErrValidation) holds for every error returned here. Nothing
// here reads the wall clock: date rules take now from the caller.

// Stable field error codes shared by the validators in this package.
const (
	codeRequired        = "required"
	codeInvalidFormat   = "invalid_format"
	codeInvalidChecksum = "invalid_checksum"
	codeTooLong         = "too_long"
	codeOutOfRange      = "out_of_range"
	codeInFuture        = "in_future"
	codeInvalidValue    = "invalid_value"
	codeDuplicate       = "duplicate"
)

// idInvalid is a field-less error: the caller prefixes it via Problems.AddAll.
func idInvalid(code, message string) error { return Invalid("", code, message) }

// isSpaceOrDash reports whether r may separate digit groups in identifiers.
func isSpaceOrDash(r rune) bool { return r == ' ' || r == '-' || r == '\u00a0' }

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func allDigits(s string) bool {
	for _, r := range s {
		if !isASCIIDigit(r) {
			return false
		}
	}
	return s != ""
}

// digitsAt collects the digits of s, allowing at most one separator (space,
// hyphen, no-break space) and only right after the given digit counts. So
// "112-233-445 95" passes with breaks {3, 6, 9}, "11-2233…" does not.
func digitsAt(s string, breaks ...int) (string, bool) {
	var b strings.Builder
	n, sepAllowed := 0, false
	for _, r := range s {
		switch {
		case isASCIIDigit(r):
			b.WriteRune(r)
			n++
			sepAllowed = true
		case isSpaceOrDash(r) && sepAllowed && slices.Contains(breaks, n):
			sepAllowed = false // one separator per break
		default:
			return "", false
		}
	}
	return b.String(), true
}

// ---------------------------------------------------------------- SNILS

// snilsUncheckedMax is the highest SNILS number (001-001-998) issued before
// the control sum was introduced; numbers up to it are not checked.
const snilsUncheckedMax = 1001998

// NormalizeSNILS validates a SNILS (insurance number) written as
// "XXX-XXX-XXX YY", as 11 bare digits or with a space or hyphen between the
// groups, and returns it as "XXX-XXX-XXX YY".
func NormalizeSNILS(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите СНИЛС")
	}
	d, ok := digitsAt(s, 3, 6, 9)
	if !ok || len(d) != 11 {
		return "", idInvalid(codeInvalidFormat, "СНИЛС должен состоять из 11 цифр в формате XXX-XXX-XXX YY")
	}
	if !snilsChecksumOK(d) {
		return "", idInvalid(codeInvalidChecksum, "Неверная контрольная сумма СНИЛС")
	}
	return d[0:3] + "-" + d[3:6] + "-" + d[6:9] + " " + d[9:11], nil
}

// snilsChecksumOK applies the Pension Fund rule to 11 digits.
func snilsChecksumOK(d string) bool {
	num, sum := 0, 0
	for i := range 9 {
		v := int(d[i] - '0')
		num = num*10 + v
		sum += v * (9 - i)
	}
	if num <= snilsUncheckedMax {
		return true
	}
	control := sum
	switch {
	case sum < 100:
	case sum == 100 || sum == 101:
		control = 0
	default:
		control = sum % 101
		if control == 100 {
			control = 0
		}
	}
	return control == int(d[9]-'0')*10+int(d[10]-'0')
}

// ---------------------------------------------------------------- INN

var (
	innWeights10 = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// innCheck computes one INN check digit over the first len(w) digits.
func innCheck(d string, w []int) byte {
	sum := 0
	for i, k := range w {
		sum += int(d[i]-'0') * k
	}
	return byte(sum%11%10) + '0'
}

// NormalizeINN validates a taxpayer number: 10 digits for a legal entity or
// 12 for an individual, with their check digits.
func NormalizeINN(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите ИНН")
	}
	if !allDigits(s) || (len(s) != 10 && len(s) != 12) {
		return "", idInvalid(codeInvalidFormat, "ИНН должен состоять из 10 или 12 цифр")
	}
	ok := false
	switch len(s) {
	case 10:
		ok = s[9] == innCheck(s, innWeights10)
	case 12:
		ok = s[10] == innCheck(s, innWeights11) && s[11] == innCheck(s, innWeights12)
	}
	if !ok {
		return "", idInvalid(codeInvalidChecksum, "Неверная контрольная сумма ИНН")
	}
	return s, nil
}

// ---------------------------------------------------------------- passport

// NormalizePassportSeries accepts "4506" or "45 06" (the way it is printed;
// "45-06" too) and returns "4506".
func NormalizePassportSeries(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите серию паспорта")
	}
	d, ok := digitsAt(s, 2)
	if !ok || len(d) != 4 {
		return "", idInvalid(codeInvalidFormat, "Серия паспорта должна состоять из 4 цифр")
	}
	return d, nil
}

// NormalizePassportNumber accepts exactly 6 digits.
func NormalizePassportNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите номер паспорта")
	}
	if len(s) != 6 || !allDigits(s) {
		return "", idInvalid(codeInvalidFormat, "Номер паспорта должен состоять из 6 цифр")
	}
	return s, nil
}

// NormalizeDivisionCode accepts "XXX-XXX", "XXX XXX" or 6 bare digits and
// returns "XXX-XXX".
func NormalizeDivisionCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите код подразделения")
	}
	d, ok := digitsAt(s, 3)
	if !ok || len(d) != 6 {
		return "", idInvalid(codeInvalidFormat, "Код подразделения должен быть в формате XXX-XXX")
	}
	return d[:3] + "-" + d[3:], nil
}

// maxIssuedByLen bounds the "issued by" text, in characters.
const maxIssuedByLen = 200

// NormalizeIssuedBy trims the issuing authority, collapses inner white space
// and limits it to 200 characters.
func NormalizeIssuedBy(s string) (string, error) {
	s = collapseSpaces(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите, кем выдан паспорт")
	}
	if utf8.RuneCountInString(s) > maxIssuedByLen {
		return "", idInvalid(codeTooLong, "Поле «Кем выдан» не должно быть длиннее 200 символов")
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", idInvalid(codeInvalidFormat, "Поле «Кем выдан» содержит недопустимые символы")
		}
	}
	return s, nil
}

// ParsePassportIssueDate checks a "YYYY-MM-DD" issue date: not after today
// (in now's location) and, when birth is not zero, not before the holder's
// 14th birthday. It returns the date at midnight UTC.
func ParsePassportIssueDate(s string, birth, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, idInvalid(codeRequired, "Укажите дату выдачи паспорта")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, idInvalid(codeInvalidFormat, "Дата выдачи должна быть в формате ГГГГ-ММ-ДД")
	}
	if d.After(calendarDay(now)) {
		return time.Time{}, idInvalid(codeInFuture, "Дата выдачи паспорта не может быть в будущем")
	}
	if !birth.IsZero() && d.Before(addYears(birth, 14)) {
		return time.Time{}, idInvalid(codeOutOfRange, "Паспорт не может быть выдан раньше 14 лет")
	}
	return d, nil
}

// ---------------------------------------------------------------- dates

// Bounds of a plausible birth date.
var minBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

const maxAgeYears = 130

// calendarDay is the calendar date of now, in now's own location, as midnight UTC
// so that it compares directly with dates parsed by time.Parse.
func calendarDay(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addYears adds n years to a date. A 29 February moves to 28 February in a
// common year, as the Civil Code (art. 192) counts a term ending in a month
// without that day; time.AddDate would give 1 March.
func addYears(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	t := time.Date(y+n, m, day, 0, 0, 0, 0, time.UTC)
	if t.Month() != m {
		t = time.Date(y+n, m+1, 0, 0, 0, 0, 0, time.UTC) // last day of m
	}
	return t
}

// ParseBirthDate checks a "YYYY-MM-DD" birth date against now: not after
// today, not before 1900-01-01 and no more than 130 years ago. It returns the
// date at midnight UTC.
func ParseBirthDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, idInvalid(codeRequired, "Укажите дату рождения")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, idInvalid(codeInvalidFormat, "Дата рождения должна быть в формате ГГГГ-ММ-ДД")
	}
	t := calendarDay(now)
	if d.After(t) {
		return time.Time{}, idInvalid(codeInFuture, "Дата рождения не может быть в будущем")
	}
	if d.Before(minBirthDate) || d.Before(addYears(t, -maxAgeYears)) {
		return time.Time{}, idInvalid(codeOutOfRange, "Проверьте дату рождения: возраст не может быть больше 130 лет")
	}
	return d, nil
}

// ---------------------------------------------------------------- phone

// NormalizePhone returns a phone number in E.164. Russian numbers may be
// written as "+7 (912) 345-67-89", "8 912 345 67 89", "89123456789" or
// "7 912 …" and must have 10 digits after +7, the first of them 3, 4, 8 or 9
// (geographic and mobile). Other countries need a leading "+" and 8–15 digits.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите номер телефона")
	}
	plus := strings.HasPrefix(s, "+")
	d, ok := phoneDigits(strings.TrimPrefix(s, "+"))
	if !ok {
		return "", idInvalid(codeInvalidFormat, "Номер телефона может содержать только цифры, пробелы, дефисы и скобки")
	}
	badRU := idInvalid(codeInvalidFormat, "Номер телефона должен быть в формате +7XXXXXXXXXX")
	switch {
	case !plus && len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		d = "7" + d[1:] // trunk prefix 8 or a country code without "+"
	case !plus:
		return "", badRU
	case strings.HasPrefix(d, "89"):
		// No country code starts with 89: this is "+8 912 …", a Russian
		// number with the trunk prefix mistaken for the country code.
		return "", badRU
	}
	if d[0] == '7' {
		if len(d) != 11 || !strings.ContainsRune("3489", rune(d[1])) {
			return "", badRU
		}
		return "+" + d, nil
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", idInvalid(codeInvalidFormat, "Номер телефона должен быть в международном формате: + и от 8 до 15 цифр")
	}
	return "+" + d, nil
}

// phoneDigits extracts the digits of a phone number written with spaces,
// hyphens and at most one pair of parentheses; any other character fails.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	open, closed := false, false
	for _, r := range s {
		switch {
		case isASCIIDigit(r):
			b.WriteRune(r)
		case isSpaceOrDash(r):
		case r == '(' && !open:
			open = true
		case r == ')' && open && !closed:
			closed = true
		default:
			return "", false
		}
	}
	if open != closed || b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}

// ---------------------------------------------------------------- e-mail

// NormalizeEmail checks an address pragmatically: one "@", a local part of
// 1–64 characters (letters, digits and the RFC 5322 atext symbols, dots only
// between them), a domain of at least two letter/digit/hyphen labels
// (Cyrillic domains such as почта.рф are fine), 254 characters in all. Display
// names and quoted local parts are refused. The domain is lower-cased.
func NormalizeEmail(s string) (string, error) {
	tooLong := idInvalid(codeTooLong, "Адрес электронной почты не должен быть длиннее 254 символов")
	if len(s) > 4*254+64 { // surely too long, whatever the padding: stop before scanning
		return "", tooLong
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Укажите адрес электронной почты")
	}
	if !utf8.ValidString(s) {
		return "", idInvalid(codeInvalidFormat, "Неверный адрес электронной почты")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return "", idInvalid(codeInvalidFormat, "Адрес электронной почты должен содержать один символ @")
	}
	domain = strings.ToLower(domain)
	out := local + "@" + domain
	if utf8.RuneCountInString(out) > 254 {
		return "", tooLong
	}
	if utf8.RuneCountInString(local) > 64 {
		return "", idInvalid(codeTooLong, "Имя пользователя в адресе почты не должно быть длиннее 64 символов")
	}
	if !emailLocalOK(local) || !emailDomainOK(domain) {
		return "", idInvalid(codeInvalidFormat, "Неверный адрес электронной почты")
	}
	// net/mail as a second opinion; it also must not see a display name.
	if a, err := mail.ParseAddress(out); err != nil || a.Name != "" || a.Address != out {
		return "", idInvalid(codeInvalidFormat, "Неверный адрес электронной почты")
	}
	return out, nil
}

// emailLocalOK accepts a dot-atom of letters, digits and atext symbols.
func emailLocalOK(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', isASCIIDigit(r):
		case strings.ContainsRune("!#$%&'*+/=?^_`{|}~-.", r):
		case unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r):
		default:
			return false
		}
	}
	return true
}

// emailDomainOK checks an already lower-cased domain: labels of 1–63 Latin
// or Cyrillic letters, digits and inner hyphens; the last one is letters
// only, as every top-level domain is (xn-- IDN ones aside, which we accept).
func emailDomainOK(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		n := utf8.RuneCountInString(l)
		if n == 0 || n > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || isASCIIDigit(r) || r == '-' ||
				unicode.Is(unicode.Cyrillic, r) && unicode.IsLower(r)) {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return true
	}
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- names

const maxNameLen = 60

// NormalizePersonName checks a last, first or middle name: Cyrillic or Latin
// letters (ё included) with single spaces, hyphens or apostrophes between
// them, 1–60 characters. It trims, collapses white space, drops spaces
// around hyphens ("Салтыков - Щедрин" → "Салтыков-Щедрин"), turns
// typographic apostrophes into "'" and composes a decomposed й or ё.
func NormalizePersonName(s string) (string, error) {
	s = collapseSpaces(composeRussian(s))
	s = strings.NewReplacer(" - ", "-", " -", "-", "- ", "-", "’", "'", "ʼ", "'").Replace(s)
	if s == "" {
		return "", idInvalid(codeRequired, "Заполните поле")
	}
	if utf8.RuneCountInString(s) > maxNameLen {
		return "", idInvalid(codeTooLong, "Не длиннее 60 символов")
	}
	prevSep := true // a separator may not open the name
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) && (unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Latin, r)):
			prevSep = false
		case r == ' ' || r == '-' || r == '\'':
			if prevSep {
				return "", idInvalid(codeInvalidFormat, "Допустимы только буквы, пробел, дефис и апостроф между буквами")
			}
			prevSep = true
		default:
			return "", idInvalid(codeInvalidFormat, "Допустимы только буквы, пробел, дефис и апостроф между буквами")
		}
	}
	if prevSep {
		return "", idInvalid(codeInvalidFormat, "Допустимы только буквы, пробел, дефис и апостроф между буквами")
	}
	return s, nil
}

// collapseSpaces trims s and replaces every run of white space by one space.
func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// composeRussian composes the two Russian letters that keyboards and OCR
// sometimes produce decomposed (и + breve, е + diaeresis), without pulling in
// a Unicode normalisation library.
var composeRussian = strings.NewReplacer(
	"и\u0306", "й", "И\u0306", "Й",
	"е\u0308", "ё", "Е\u0308", "Ё",
).Replace
