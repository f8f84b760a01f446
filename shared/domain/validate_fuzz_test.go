package domain

import (
	"errors"
	"strings"
	"testing"
)

// Fuzz properties shared by every identifier validator:
//   - it never panics;
//   - an error is always a validation error;
//   - an accepted value normalises to itself (idempotence).
// Seeds live in testdata/fuzz/<Target>/ as well as in f.Add below.

// checkIdempotent fails when norm accepts in but not its own output, or
// normalises the output to something else.
func checkIdempotent(t *testing.T, norm func(string) (string, error), in string) (string, bool) {
	t.Helper()
	out, err := norm(in)
	if err != nil {
		if !errors.Is(err, ErrValidation) {
			t.Fatalf("(%q) error %v is not a validation error", in, err)
		}
		return "", false
	}
	again, err := norm(out)
	if err != nil {
		t.Fatalf("(%q) = %q, which is then rejected: %v", in, out, err)
	}
	if again != out {
		t.Fatalf("(%q) = %q, then %q: not idempotent", in, out, again)
	}
	return out, true
}

func FuzzSNILS(f *testing.F) {
	for _, s := range []string{"112-233-445 95", "11223344595", "001-001-998 00", "999-999-999 01", "112-233-445 96", "", "１１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := checkIdempotent(t, NormalizeSNILS, in)
		if !ok {
			return
		}
		if len(out) != 14 || out[3] != '-' || out[7] != '-' || out[11] != ' ' {
			t.Fatalf("(%q) = %q: not XXX-XXX-XXX YY", in, out)
		}
		digits := strings.NewReplacer("-", "", " ", "").Replace(out)
		nine := digits[:9]
		if nine > "001001998" && digits[9:] != snilsControl(nine) {
			t.Fatalf("(%q) = %q accepted with a wrong control sum (want %s)", in, out, snilsControl(nine))
		}
	})
}

func FuzzINN(f *testing.F) {
	for _, s := range []string{"7707083893", "500100732259", "7707083894", "0000000000", " 7707083893", "77070838931"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := checkIdempotent(t, NormalizeINN, in)
		if !ok {
			return
		}
		switch len(out) {
		case 10:
			if makeINN10(out[:9]) != out {
				t.Fatalf("(%q) accepted with a wrong check digit", in)
			}
		case 12:
			if makeINN12(out[:10]) != out {
				t.Fatalf("(%q) accepted with wrong check digits", in)
			}
		default:
			t.Fatalf("(%q) = %q: wrong length", in, out)
		}
	})
}

func FuzzPassport(f *testing.F) {
	f.Add("4506", "123456")
	f.Add("45 06", "012345")
	f.Add("45-06", "12345")
	f.Add("", "")
	f.Add("４５０６", "１２３４５６")
	f.Fuzz(func(t *testing.T, series, number string) {
		if out, ok := checkIdempotent(t, NormalizePassportSeries, series); ok {
			if len(out) != 4 || !allDigits(out) {
				t.Fatalf("series (%q) = %q", series, out)
			}
		}
		if out, ok := checkIdempotent(t, NormalizePassportNumber, number); ok {
			if len(out) != 6 || !allDigits(out) {
				t.Fatalf("number (%q) = %q", number, out)
			}
		}
		// The division code has the same shape of rules; fuzz it along.
		if out, ok := checkIdempotent(t, NormalizeDivisionCode, series+number); ok {
			if len(out) != 7 || out[3] != '-' {
				t.Fatalf("division code (%q) = %q", series+number, out)
			}
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "+79123456789", "7 912 345 67 89",
		"+4915112345678", "+1234567", "+0123456789", "+7 (912 345", "+", "()", "+89123456789",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := checkIdempotent(t, NormalizePhone, in)
		if !ok {
			return
		}
		d := strings.TrimPrefix(out, "+")
		if !strings.HasPrefix(out, "+") || !allDigits(d) || len(d) < 8 || len(d) > 15 {
			t.Fatalf("(%q) = %q: not E.164", in, out)
		}
		if d[0] == '7' && (len(d) != 11 || !strings.ContainsAny(d[1:2], "3489")) {
			t.Fatalf("(%q) = %q: not a Russian number", in, out)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"ivan@example.ru", "Ivan@Example.RU", "иван@ПОЧТА.РФ", "a@b.c", "a@@b.ru", `"a b"@c.ru`,
		"Иван <ivan@example.ru>", "ivan@xn--p1ai.xn--p1ai", "ivan@exa\u0130mple.ru", "ivan@\u212aelvin.ru",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := checkIdempotent(t, NormalizeEmail, in)
		if !ok {
			return
		}
		local, domain, _ := strings.Cut(out, "@")
		if local == "" || domain != strings.ToLower(domain) || !strings.Contains(domain, ".") {
			t.Fatalf("(%q) = %q", in, out)
		}
	})
}

// FuzzPersonName is not in the brief's list but names have the most
// normalisation (spaces, hyphens, apostrophes, composed letters).
func FuzzPersonName(f *testing.F) {
	for _, s := range []string{"Иванов", "Салтыков - Щедрин", "Д’Артаньян", "Андре\u0438\u0306", " - ", "a  -  b", "a -- b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkIdempotent(t, NormalizePersonName, in)
	})
}
