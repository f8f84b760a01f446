package domain

import (
	"log/slog"
	"strings"
	"time"
)

// Passport is the citizen's internal Russian passport.
type Passport struct {
	Series       string `json:"series"`
	Number       string `json:"number"`
	IssuedAt     string `json:"issuedAt"`
	IssuedBy     string `json:"issuedBy"`
	DivisionCode string `json:"divisionCode"`
}

// Normalize validates every passport field and returns a normalised copy.
// Field names in the error are relative ("series"), so a caller prefixes
// them with Problems.AddAll("passport", err). birth may be zero when the
// holder's birth date is unknown; then the 14-year rule is skipped.
func (p Passport) Normalize(birth, now time.Time) (Passport, error) {
	var probs Problems
	out := p
	var err error
	if out.Series, err = NormalizePassportSeries(p.Series); err != nil {
		probs.AddAll("series", err)
	}
	if out.Number, err = NormalizePassportNumber(p.Number); err != nil {
		probs.AddAll("number", err)
	}
	if d, err := ParsePassportIssueDate(p.IssuedAt, birth, now); err != nil {
		probs.AddAll("issuedAt", err)
	} else {
		out.IssuedAt = d.Format(time.DateOnly)
	}
	if out.IssuedBy, err = NormalizeIssuedBy(p.IssuedBy); err != nil {
		probs.AddAll("issuedBy", err)
	}
	if out.DivisionCode, err = NormalizeDivisionCode(p.DivisionCode); err != nil {
		probs.AddAll("divisionCode", err)
	}
	if err := probs.Err(); err != nil {
		return p, err
	}
	return out, nil
}

// complete reports whether every passport field is filled in.
func (p Passport) complete() bool {
	return nonBlank(p.Series) && nonBlank(p.Number) && nonBlank(p.IssuedAt) &&
		nonBlank(p.IssuedBy) && nonBlank(p.DivisionCode)
}

// LogValue keeps passport details out of logs.
func (p Passport) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("complete", p.complete()))
}

// String keeps passport details out of fmt output too.
func (p Passport) String() string { return "Passport{redacted}" }

// Profile is a citizen's personal data, needed to book.
type Profile struct {
	LastName   string    `json:"lastName"`
	FirstName  string    `json:"firstName"`
	MiddleName string    `json:"middleName,omitempty"`
	BirthDate  string    `json:"birthDate"`
	SNILS      string    `json:"snils"`
	INN        string    `json:"inn,omitempty"`
	Passport   Passport  `json:"passport"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
}

// Normalize validates every field against now and returns a normalised copy.
// All problems are reported at once, with JSON paths such as "snils" or
// "passport.series". MiddleName and INN are optional. UpdatedAt is left
// as it is: the caller stamps it when saving.
func (p Profile) Normalize(now time.Time) (Profile, error) {
	var probs Problems
	out := p
	var err error
	if out.LastName, err = NormalizePersonName(p.LastName); err != nil {
		probs.AddAll("lastName", err)
	}
	if out.FirstName, err = NormalizePersonName(p.FirstName); err != nil {
		probs.AddAll("firstName", err)
	}
	if out.MiddleName = collapseSpaces(p.MiddleName); out.MiddleName != "" {
		if out.MiddleName, err = NormalizePersonName(out.MiddleName); err != nil {
			probs.AddAll("middleName", err)
		}
	}
	var birth time.Time
	if birth, err = ParseBirthDate(p.BirthDate, now); err != nil {
		probs.AddAll("birthDate", err)
		birth = time.Time{} // unknown: skip the passport's 14-year rule
	} else {
		out.BirthDate = birth.Format(time.DateOnly)
	}
	if out.SNILS, err = NormalizeSNILS(p.SNILS); err != nil {
		probs.AddAll("snils", err)
	}
	if out.INN = strings.TrimSpace(p.INN); out.INN != "" {
		if out.INN, err = NormalizeINN(out.INN); err != nil {
			probs.AddAll("inn", err)
		}
	}
	if out.Passport, err = p.Passport.Normalize(birth, now); err != nil {
		probs.AddAll("passport", err)
	}
	if out.Phone, err = NormalizePhone(p.Phone); err != nil {
		probs.AddAll("phone", err)
	}
	if out.Email, err = NormalizeEmail(p.Email); err != nil {
		probs.AddAll("email", err)
	}
	if err := probs.Err(); err != nil {
		return p, err
	}
	return out, nil
}

// Complete reports whether every field a booking needs is present:
// everything except MiddleName and INN. It does not re-validate; profiles are
// normalised when saved.
func (p Profile) Complete() bool {
	return nonBlank(p.LastName) && nonBlank(p.FirstName) && nonBlank(p.BirthDate) &&
		nonBlank(p.SNILS) && p.Passport.complete() && nonBlank(p.Phone) && nonBlank(p.Email)
}

// FullName is "Фамилия Имя Отчество", skipping empty parts.
func (p Profile) FullName() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.LastName, p.FirstName, p.MiddleName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// LogValue makes slog print a Profile without personal data: no names,
// SNILS, INN, passport, phone or e-mail, only whether they are present.
func (p Profile) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("complete", p.Complete()),
		slog.Bool("hasSnils", nonBlank(p.SNILS)),
		slog.Bool("hasInn", nonBlank(p.INN)),
		slog.Bool("hasPassport", p.Passport.complete()),
		slog.Bool("hasPhone", nonBlank(p.Phone)),
		slog.Bool("hasEmail", nonBlank(p.Email)),
		slog.Time("updatedAt", p.UpdatedAt),
	)
}

// String keeps personal data out of fmt output ("%v", "%+v").
func (p Profile) String() string { return "Profile{redacted}" }

func nonBlank(s string) bool { return strings.TrimSpace(s) != "" }
