package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func validProfile() Profile {
	return Profile{
		LastName:   "Иванов",
		FirstName:  "Иван",
		MiddleName: "Иванович",
		BirthDate:  "1990-05-17",
		SNILS:      "112-233-445 95",
		INN:        "500100732259",
		Passport: Passport{
			Series:       "4510",
			Number:       "123456",
			IssuedAt:     "2010-06-01",
			IssuedBy:     "ОВД района Арбат г. Москвы",
			DivisionCode: "770-001",
		},
		Phone: "+79123456789",
		Email: "ivan@example.ru",
	}
}

// fieldCodes maps each field of a validation error to its code.
func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		if _, dup := out[f.Field]; dup {
			t.Errorf("field %q reported twice", f.Field)
		}
		if f.Message == "" {
			t.Errorf("field %q has no message", f.Field)
		}
		out[f.Field] = f.Code
	}
	return out
}

func TestProfileNormalizeValid(t *testing.T) {
	t.Parallel()
	in := validProfile()
	in.LastName = "  Салтыков - Щедрин "
	in.SNILS = "11223344595"
	in.Phone = "8 (912) 345-67-89"
	in.Email = "Ivan@Example.RU"
	in.Passport.Series = "45 10"
	in.Passport.DivisionCode = "770001"
	in.Passport.IssuedBy = "  ОВД   района Арбат г. Москвы"

	got, err := in.Normalize(validateNow)
	if err != nil {
		t.Fatal(err)
	}
	want := validProfile()
	want.LastName = "Салтыков-Щедрин"
	want.Passport.Series = "4510"
	want.Email = "Ivan@example.ru"
	if got != want {
		t.Fatalf("Normalize:\n got %#v\nwant %#v", got, want)
	}
	// Normalising twice changes nothing.
	if again, err := got.Normalize(validateNow); err != nil || again != got {
		t.Fatalf("second Normalize = %#v, %v", again, err)
	}
}

func TestProfileNormalizeOptionalFields(t *testing.T) {
	t.Parallel()
	in := validProfile()
	in.MiddleName = "  "
	in.INN = ""
	got, err := in.Normalize(validateNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.MiddleName != "" || got.INN != "" {
		t.Fatalf("optional fields = %q, %q", got.MiddleName, got.INN)
	}
}

func TestProfileNormalizeCollectsAllErrors(t *testing.T) {
	t.Parallel()
	in := Profile{
		LastName:   "Иван0в",
		FirstName:  "",
		MiddleName: "-",
		BirthDate:  "2030-01-01",
		SNILS:      "112-233-445 96",
		INN:        "7707083894",
		Passport: Passport{
			Series:       "45",
			Number:       "12345x",
			IssuedAt:     "01.06.2010",
			IssuedBy:     "",
			DivisionCode: "77-0001",
		},
		Phone: "12345",
		Email: "ivan@",
	}
	_, err := in.Normalize(validateNow)
	if !errors.Is(err, ErrValidation) {
		t.Fatalf("err = %v", err)
	}
	got := fieldCodes(t, err)
	want := map[string]string{
		"lastName":              "invalid_format",
		"firstName":             "required",
		"middleName":            "invalid_format",
		"birthDate":             "in_future",
		"snils":                 "invalid_checksum",
		"inn":                   "invalid_checksum",
		"passport.series":       "invalid_format",
		"passport.number":       "invalid_format",
		"passport.issuedAt":     "invalid_format",
		"passport.issuedBy":     "required",
		"passport.divisionCode": "invalid_format",
		"phone":                 "invalid_format",
		"email":                 "invalid_format",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("fields:\n got %v\nwant %v", got, want)
	}
}

func TestProfileNormalizePassportAge(t *testing.T) {
	t.Parallel()
	in := validProfile()
	in.Passport.IssuedAt = "2003-01-01" // the holder was 12
	_, err := in.Normalize(validateNow)
	if got := fieldCodes(t, err); !maps.Equal(got, map[string]string{"passport.issuedAt": "out_of_range"}) {
		t.Fatalf("fields = %v", got)
	}

	// With an unusable birth date only that date is reported.
	in.BirthDate = "17.05.1990"
	_, err = in.Normalize(validateNow)
	if got := fieldCodes(t, err); !maps.Equal(got, map[string]string{"birthDate": "invalid_format"}) {
		t.Fatalf("fields = %v", got)
	}
}

func TestProfileComplete(t *testing.T) {
	t.Parallel()
	if !validProfile().Complete() {
		t.Fatal("valid profile is not complete")
	}
	optional := validProfile()
	optional.MiddleName, optional.INN = "", ""
	if !optional.Complete() {
		t.Fatal("middle name and INN are optional")
	}
	if (Profile{}).Complete() {
		t.Fatal("empty profile is complete")
	}
	for _, clear := range []func(*Profile){
		func(p *Profile) { p.LastName = "" },
		func(p *Profile) { p.FirstName = " " },
		func(p *Profile) { p.BirthDate = "" },
		func(p *Profile) { p.SNILS = "" },
		func(p *Profile) { p.Passport.Series = "" },
		func(p *Profile) { p.Passport.Number = "" },
		func(p *Profile) { p.Passport.IssuedAt = "" },
		func(p *Profile) { p.Passport.IssuedBy = "" },
		func(p *Profile) { p.Passport.DivisionCode = "" },
		func(p *Profile) { p.Phone = "" },
		func(p *Profile) { p.Email = "" },
	} {
		p := validProfile()
		clear(&p)
		if p.Complete() {
			t.Errorf("profile %#v is complete", p)
		}
	}
}

func TestProfileFullName(t *testing.T) {
	t.Parallel()
	if got := validProfile().FullName(); got != "Иванов Иван Иванович" {
		t.Fatalf("FullName = %q", got)
	}
	p := validProfile()
	p.MiddleName = ""
	if got := p.FullName(); got != "Иванов Иван" {
		t.Fatalf("FullName = %q", got)
	}
}

func TestProfileJSON(t *testing.T) {
	t.Parallel()
	p := validProfile()
	p.MiddleName, p.INN = "", ""
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(m))
	want := []string{"birthDate", "email", "firstName", "lastName", "passport", "phone", "snils"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys = %v, want %v", keys, want)
	}
	pass := slices.Sorted(maps.Keys(m["passport"].(map[string]any)))
	if want := []string{"divisionCode", "issuedAt", "issuedBy", "number", "series"}; !slices.Equal(pass, want) {
		t.Fatalf("passport keys = %v", pass)
	}

	p.UpdatedAt = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)
	b, _ = json.Marshal(p)
	if !bytes.Contains(b, []byte(`"updatedAt":"2025-06-15T10:00:00Z"`)) {
		t.Fatalf("updatedAt missing: %s", b)
	}
}

// secrets are the raw personal values that must never reach a log.
func secrets(p Profile) []string {
	return []string{
		p.LastName, p.FirstName, p.MiddleName, p.BirthDate, p.SNILS, p.INN,
		p.Passport.Series, p.Passport.Number, p.Passport.IssuedBy, p.Passport.DivisionCode,
		p.Phone, p.Email,
		"11223344595", "9123456789", // other spellings of the same values
	}
}

func TestProfileLogValueRedacts(t *testing.T) {
	t.Parallel()
	p := validProfile()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("saved", "profile", p, "passport", p.Passport)
	log.Info("nested", slog.Group("req", slog.Any("profile", p)))
	log.Info("pointer", "profile", &p)

	out := buf.String()
	for _, s := range secrets(p) {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
	// It still says something useful.
	var rec struct {
		Profile struct {
			Complete bool `json:"complete"`
			HasSnils bool `json:"hasSnils"`
		} `json:"profile"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if !rec.Profile.Complete || !rec.Profile.HasSnils {
		t.Fatalf("log record = %s", out)
	}
}

func TestProfileFormatRedacts(t *testing.T) {
	t.Parallel()
	p := validProfile()
	for _, out := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%v", &p), fmt.Sprint(p.Passport)} {
		for _, s := range secrets(p) {
			if strings.Contains(out, s) {
				t.Errorf("%q contains %q", out, s)
			}
		}
	}
}
