package domain

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

func validService() Service {
	return Service{
		ID:                "svc-passport",
		Name:              "Оформление паспорта",
		Category:          CategoryDocuments,
		Department:        "МВД России",
		Description:       "Замена паспорта гражданина РФ по достижении 20 и 45 лет.",
		DurationMinutes:   20,
		CancelBeforeHours: 24,
		RequiredDocuments: []RequiredDocument{
			{Type: "photo", Name: "Фотография 35×45 мм", Mandatory: true},
			{Type: "old_passport", Name: "Старый паспорт", Mandatory: true},
			{Type: "receipt_2025", Name: "Квитанция об оплате пошлины"},
		},
	}
}

func TestServiceNormalizeValid(t *testing.T) {
	t.Parallel()
	in := validService()
	in.Name = "  Оформление   паспорта "
	in.CancelBeforeHours = 0
	in.RequiredDocuments[0].Type = " photo "
	got, err := in.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := validService()
	want.CancelBeforeHours = DefaultCancelBeforeHours
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Normalize:\n got %#v\nwant %#v", got, want)
	}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}

	bare := validService()
	bare.RequiredDocuments = nil
	bare.Description = ""
	got, err = bare.Normalize()
	if err != nil || got.RequiredDocuments == nil {
		t.Fatalf("Normalize without documents = %#v, %v", got.RequiredDocuments, err)
	}
}

func TestServiceNormalizeBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*Service)
		field string // "" means valid
		code  string
	}{
		{"name 3", func(s *Service) { s.Name = "МФЦ" }, "", ""},
		{"name 2", func(s *Service) { s.Name = "ОК" }, "name", "too_short"},
		{"name 200", func(s *Service) { s.Name = strings.Repeat("я", 200) }, "", ""},
		{"name 201", func(s *Service) { s.Name = strings.Repeat("я", 201) }, "name", "too_long"},
		{"name empty", func(s *Service) { s.Name = " " }, "name", "required"},
		{"category empty", func(s *Service) { s.Category = "" }, "category", "required"},
		{"category unknown", func(s *Service) { s.Category = "food" }, "category", "invalid_value"},
		{"department empty", func(s *Service) { s.Department = "" }, "department", "required"},
		{"department long", func(s *Service) { s.Department = strings.Repeat("я", 201) }, "department", "too_long"},
		{"description 2000", func(s *Service) { s.Description = strings.Repeat("я", 2000) }, "", ""},
		{"description 2001", func(s *Service) { s.Description = strings.Repeat("я", 2001) }, "description", "too_long"},
		{"duration 5", func(s *Service) { s.DurationMinutes = 5 }, "", ""},
		{"duration 4", func(s *Service) { s.DurationMinutes = 4 }, "durationMinutes", "out_of_range"},
		{"duration 480", func(s *Service) { s.DurationMinutes = 480 }, "", ""},
		{"duration 481", func(s *Service) { s.DurationMinutes = 481 }, "durationMinutes", "out_of_range"},
		{"cancel 168", func(s *Service) { s.CancelBeforeHours = 168 }, "", ""},
		{"cancel 169", func(s *Service) { s.CancelBeforeHours = 169 }, "cancelBeforeHours", "out_of_range"},
		{"cancel -1", func(s *Service) { s.CancelBeforeHours = -1 }, "cancelBeforeHours", "out_of_range"},
		{"doc type upper", func(s *Service) { s.RequiredDocuments[1].Type = "Photo" }, "requiredDocuments[1].type", "invalid_format"},
		{"doc type short", func(s *Service) { s.RequiredDocuments[1].Type = "p" }, "requiredDocuments[1].type", "invalid_format"},
		{"doc type digit first", func(s *Service) { s.RequiredDocuments[1].Type = "2ndfl" }, "requiredDocuments[1].type", "invalid_format"},
		{"doc type 50", func(s *Service) { s.RequiredDocuments[1].Type = "a" + strings.Repeat("b", 49) }, "", ""},
		{"doc type 51", func(s *Service) { s.RequiredDocuments[1].Type = "a" + strings.Repeat("b", 50) }, "requiredDocuments[1].type", "invalid_format"},
		{"doc type hyphen", func(s *Service) { s.RequiredDocuments[1].Type = "old-passport" }, "requiredDocuments[1].type", "invalid_format"},
		{"doc type empty", func(s *Service) { s.RequiredDocuments[1].Type = "" }, "requiredDocuments[1].type", "required"},
		{"doc type duplicate", func(s *Service) { s.RequiredDocuments[2].Type = "photo" }, "requiredDocuments[2].type", "duplicate"},
		{"doc name empty", func(s *Service) { s.RequiredDocuments[0].Name = " " }, "requiredDocuments[0].name", "required"},
		{"docs 20", func(s *Service) { s.RequiredDocuments = manyDocs(20) }, "", ""},
		{"docs 21", func(s *Service) { s.RequiredDocuments = manyDocs(21) }, "requiredDocuments", "too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := validService()
			s.RequiredDocuments = append([]RequiredDocument(nil), s.RequiredDocuments...)
			tc.edit(&s)
			_, err := s.Normalize()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := fieldCodes(t, err); !maps.Equal(got, map[string]string{tc.field: tc.code}) {
				t.Fatalf("fields = %v, want %s: %s", got, tc.field, tc.code)
			}
		})
	}
}

func manyDocs(n int) []RequiredDocument {
	docs := make([]RequiredDocument, n)
	for i := range docs {
		docs[i] = RequiredDocument{Type: fmt.Sprintf("doc_%d", i), Name: "Документ"}
	}
	return docs
}

func TestServiceNormalizeCollectsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := Service{
		RequiredDocuments: []RequiredDocument{{Type: "a"}, {Type: "photo", Name: "Фото"}, {Type: "photo", Name: "Фото"}},
	}.Normalize()
	want := map[string]string{
		"name":                      "required",
		"category":                  "required",
		"department":                "required",
		"durationMinutes":           "out_of_range",
		"requiredDocuments[0].type": "invalid_format",
		"requiredDocuments[0].name": "required",
		"requiredDocuments[2].type": "duplicate",
	}
	if got := fieldCodes(t, err); !maps.Equal(got, want) {
		t.Fatalf("fields:\n got %v\nwant %v", got, want)
	}
}

func validInstitution() Institution {
	return Institution{
		ID:       "inst-mfc-1",
		Name:     "МФЦ района Арбат",
		Kind:     KindMFC,
		Region:   "Москва",
		Locality: "Москва",
		Address:  "ул. Новый Арбат, 11",
		Phone:    "+74951234567",
		Email:    "arbat@mfc.example.ru",
		Timezone: "Europe/Moscow",
		WorkHours: Weekly{
			"mon": {{From: "09:00", To: "13:00"}, {From: "14:00", To: "20:00"}},
			"sat": {{From: "10:00", To: "16:00"}},
		},
		ServiceIDs: []string{"svc-passport", "svc-snils"},
	}
}

func TestInstitutionNormalizeValid(t *testing.T) {
	t.Parallel()
	in := validInstitution()
	in.Phone = "8 (495) 123-45-67"
	in.Email = "arbat@MFC.Example.RU"
	in.Name = " МФЦ  района Арбат"
	in.WorkHours = Weekly{
		"mon": {{From: "14:00", To: "20:00"}, {From: "09:00", To: "13:00"}}, // unsorted
		"sat": {{From: "10:00", To: "16:00"}},
		"sun": {},
	}
	got, err := in.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if want := validInstitution(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Normalize:\n got %#v\nwant %#v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}

	bare := validInstitution()
	bare.WorkHours, bare.ServiceIDs = nil, nil
	got, err = bare.Normalize()
	if err != nil || got.WorkHours == nil || got.ServiceIDs == nil {
		t.Fatalf("Normalize of empty collections = %#v, %#v, %v", got.WorkHours, got.ServiceIDs, err)
	}
}

func TestInstitutionTimezones(t *testing.T) {
	t.Parallel()
	if len(RussianTimezones) != 27 {
		t.Fatalf("%d zones", len(RussianTimezones))
	}
	for _, tz := range RussianTimezones {
		in := validInstitution()
		in.Timezone = tz
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", tz, err)
		}
		if _, err := time.LoadLocation(tz); err != nil {
			t.Errorf("%s does not load: %v", tz, err)
		}
	}
	for tz, code := range map[string]string{
		"":                "required",
		"UTC":             "invalid_value",
		"Europe/Minsk":    "invalid_value",
		"Europe/Kiev":     "invalid_value",
		"Asia/Almaty":     "invalid_value",
		"europe/moscow":   "invalid_value",
		"MSK":             "invalid_value",
		"Europe/Nowhere":  "invalid_value",
		"../etc/passwd":   "invalid_value",
		"Local":           "invalid_value",
		"Etc/GMT-3":       "invalid_value",
		"Europe/Moscow\n": "", // trimmed
	} {
		in := validInstitution()
		in.Timezone = tz
		_, err := in.Normalize()
		if code == "" {
			if err != nil {
				t.Errorf("%q: %v", tz, err)
			}
			continue
		}
		if got := fieldCodes(t, err); !maps.Equal(got, map[string]string{"timezone": code}) {
			t.Errorf("%q: fields = %v", tz, got)
		}
	}
}

func TestInstitutionWorkHours(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		w    Weekly
		want map[string]string
	}{
		{"touching", Weekly{"tue": {{"09:00", "13:00"}, {"13:00", "18:00"}}}, nil},
		{"whole day", Weekly{"wed": {{"00:00", "24:00"}}}, nil},
		{"unknown day", Weekly{"monday": {{"09:00", "13:00"}}, "Mon": nil}, map[string]string{
			"workHours.Mon": "unknown_weekday", "workHours.monday": "unknown_weekday"}},
		{"bad format", Weekly{"mon": {{"9:00", "13:00"}, {"14:00", "18:60"}}}, map[string]string{
			"workHours.mon[0].from": "invalid_time", "workHours.mon[1].to": "invalid_time"}},
		{"after midnight", Weekly{"fri": {{"24:01", "25:00"}}}, map[string]string{
			"workHours.fri[0].from": "invalid_time", "workHours.fri[0].to": "invalid_time"}},
		{"from after to", Weekly{"mon": {{"13:00", "09:00"}}}, map[string]string{
			"workHours.mon[0].to": "end_before_start"}},
		{"empty interval", Weekly{"mon": {{"09:00", "09:00"}}}, map[string]string{
			"workHours.mon[0].to": "end_before_start"}},
		{"overlap", Weekly{"thu": {{"12:00", "18:00"}, {"09:00", "13:00"}}}, map[string]string{
			"workHours.thu[0].from": "overlap"}},
		{"contained", Weekly{"sun": {{"09:00", "18:00"}, {"10:00", "11:00"}, {"19:00", "20:00"}}}, map[string]string{
			"workHours.sun[1].from": "overlap"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := validInstitution()
			in.WorkHours = tc.w
			_, err := in.Normalize()
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := fieldCodes(t, err); !maps.Equal(got, tc.want) {
				t.Fatalf("fields:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestInstitutionNormalizeCollectsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := Institution{
		Kind:       "school",
		Phone:      "12345",
		Email:      "nobody",
		Timezone:   "Europe/London",
		ServiceIDs: []string{"a", " ", "a"},
	}.Normalize()
	if !errors.Is(err, ErrValidation) {
		t.Fatal(err)
	}
	want := map[string]string{
		"name":          "required",
		"kind":          "invalid_value",
		"region":        "required",
		"locality":      "required",
		"address":       "required",
		"phone":         "invalid_format",
		"email":         "invalid_format",
		"timezone":      "invalid_value",
		"serviceIds[1]": "required",
		"serviceIds[2]": "duplicate",
	}
	if got := fieldCodes(t, err); !maps.Equal(got, want) {
		t.Fatalf("fields:\n got %v\nwant %v", got, want)
	}

	_, err = Institution{}.Normalize()
	got := fieldCodes(t, err)
	for _, f := range []string{"kind", "phone", "email", "timezone"} {
		if got[f] != "required" {
			t.Errorf("%s: %q, want required", f, got[f])
		}
	}
}
