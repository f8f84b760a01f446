package domain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Independent check-digit helpers, written differently from the production
// code (closed formulas, strconv-free arithmetic on runes) so that a mistake
// in one is unlikely to be repeated in the other.

// snilsControl returns the two control digits of a 9-digit SNILS number.
// sum % 101 with 100 mapped to 0 is the same rule as the Pension Fund's
// three cases (sum < 100, sum in {100, 101}, sum > 101).
func snilsControl(nine string) string {
	sum := 0
	for i, r := range nine {
		sum += int(r-'0') * (len(nine) - i)
	}
	c := sum % 101
	if c == 100 {
		c = 0
	}
	return fmt.Sprintf("%02d", c)
}

// innDigit is one INN check digit over the prefix with the given weights.
func innDigit(prefix string, weights ...int) string {
	sum := 0
	for i, w := range weights {
		sum += w * int(prefix[i]-'0')
	}
	return fmt.Sprint(sum % 11 % 10)
}

func makeINN10(nine string) string { return nine + innDigit(nine, 2, 4, 10, 3, 5, 9, 4, 6, 8) }

func makeINN12(ten string) string {
	eleven := ten + innDigit(ten, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	return eleven + innDigit(eleven, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
}

// fieldCode returns the code of a field-less validation error, or "" for nil.
func fieldCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 {
		t.Fatalf("want one field error, got %v", err)
	}
	if ve.Fields[0].Field != "" {
		t.Errorf("field = %q, want empty (the caller names it)", ve.Fields[0].Field)
	}
	if ve.Fields[0].Message == "" {
		t.Error("message is empty")
	}
	if !errors.Is(err, ErrValidation) {
		t.Error("errors.Is(err, ErrValidation) = false")
	}
	return ve.Fields[0].Code
}

type normCase struct {
	in, want, code string // want is checked only when code is ""
}

func runNorm(t *testing.T, fn func(string) (string, error), cases []normCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := fn(tc.in)
			if code := fieldCode(t, err); code != tc.code {
				t.Fatalf("(%q) code = %q, want %q (err %v)", tc.in, code, tc.code, err)
			}
			if tc.code == "" && got != tc.want {
				t.Fatalf("(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSNILSHelperKnownValues(t *testing.T) {
	t.Parallel()
	// Worked by hand: 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95.
	if got := snilsControl("112233445"); got != "95" {
		t.Fatalf("snilsControl(112233445) = %s, want 95", got)
	}
	// 9·(9+8+…+1) = 405; 405 mod 101 = 1.
	if got := snilsControl("999999999"); got != "01" {
		t.Fatalf("snilsControl(999999999) = %s, want 01", got)
	}
}

func TestNormalizeSNILS(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizeSNILS, []normCase{
		{in: "112-233-445 95", want: "112-233-445 95"},
		{in: "11223344595", want: "112-233-445 95"},
		{in: "  112 233 445 95 ", want: "112-233-445 95"},
		{in: "112-233-445-95", want: "112-233-445 95"},
		{in: "112233445 95", want: "112-233-445 95"},
		{in: "999-999-999 01", want: "999-999-999 01"},
		// At or below 001-001-998 the control sum is not checked.
		{in: "001-001-998 00", want: "001-001-998 00"},
		{in: "001-001-997 42", want: "001-001-997 42"},
		{in: "", code: "required"},
		{in: "   ", code: "required"},
		{in: "112-233-445 96", code: "invalid_checksum"},
		{in: "001-001-999 00", code: "invalid_checksum"},
		{in: "112-233-445 9", code: "invalid_format"},
		{in: "112-233-445 955", code: "invalid_format"},
		{in: "1122334459", code: "invalid_format"},
		{in: "112-233-44A 95", code: "invalid_format"},
		{in: "11-2233-445 95", code: "invalid_format"},
		{in: "112--233-445 95", code: "invalid_format"},
		{in: "112.233.445 95", code: "invalid_format"},
		{in: "１１２２３３４４５９５", code: "invalid_format"}, // full-width digits
	})
}

func TestNormalizeSNILSGenerated(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		nine := fmt.Sprintf("%09d", 1001999+r.IntN(999999999-1001999))
		good := nine + snilsControl(nine)
		want := nine[:3] + "-" + nine[3:6] + "-" + nine[6:] + " " + good[9:]
		if got, err := NormalizeSNILS(good); err != nil || got != want {
			t.Fatalf("NormalizeSNILS(%s) = %q, %v; want %q", good, got, err, want)
		}
		bad := nine + fmt.Sprintf("%02d", (int(good[9]-'0')*10+int(good[10]-'0')+1+r.IntN(98))%100)
		if _, err := NormalizeSNILS(bad); fieldCode(t, err) != "invalid_checksum" {
			t.Fatalf("NormalizeSNILS(%s) = %v, want invalid_checksum", bad, err)
		}
	}
}

func TestINNHelperKnownValues(t *testing.T) {
	t.Parallel()
	// Sberbank: 7·2+7·4+0·10+7·3+0·5+8·9+3·4+8·6+9·8 = 267; 267 mod 11 = 3.
	if got := makeINN10("770708389"); got != "7707083893" {
		t.Fatalf("makeINN10 = %s", got)
	}
	// 148 mod 11 = 5, then 141 mod 11 = 9.
	if got := makeINN12("5001007322"); got != "500100732259" {
		t.Fatalf("makeINN12 = %s", got)
	}
}

func TestNormalizeINN(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizeINN, []normCase{
		{in: "7707083893", want: "7707083893"},
		{in: " 7707083893 ", want: "7707083893"},
		{in: "500100732259", want: "500100732259"},
		{in: makeINN10("772801417"), want: makeINN10("772801417")},
		{in: makeINN12("7728168971"), want: makeINN12("7728168971")},
		{in: "", code: "required"},
		{in: "7707083894", code: "invalid_checksum"},
		{in: "500100732258", code: "invalid_checksum"}, // second digit wrong
		{in: "500100732159", code: "invalid_checksum"}, // first digit wrong
		{in: "770708389", code: "invalid_format"},
		{in: "77070838931", code: "invalid_format"},
		{in: "5001007322590", code: "invalid_format"},
		{in: "770708389A", code: "invalid_format"},
		{in: "7707 083893", code: "invalid_format"},
		{in: "-707083893", code: "invalid_format"},
	})
}

func TestNormalizeINNGenerated(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		for _, inn := range []string{
			makeINN10(fmt.Sprintf("%09d", r.IntN(1e9))),
			makeINN12(fmt.Sprintf("%010d", r.IntN(1e10))),
		} {
			if got, err := NormalizeINN(inn); err != nil || got != inn {
				t.Fatalf("NormalizeINN(%s) = %q, %v", inn, got, err)
			}
			// Changing the last digit always breaks the checksum.
			last := inn[len(inn)-1] - '0'
			bad := inn[:len(inn)-1] + fmt.Sprint((int(last)+1+r.IntN(9))%10)
			if _, err := NormalizeINN(bad); fieldCode(t, err) != "invalid_checksum" {
				t.Fatalf("NormalizeINN(%s) = %v, want invalid_checksum", bad, err)
			}
		}
	}
}

func TestNormalizePassportSeries(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizePassportSeries, []normCase{
		{in: "4506", want: "4506"},
		{in: "45 06", want: "4506"},
		{in: " 4506 ", want: "4506"},
		{in: "", code: "required"},
		{in: "450", code: "invalid_format"},
		{in: "45066", code: "invalid_format"},
		{in: "4 506", code: "invalid_format"},
		{in: "45  06", code: "invalid_format"},
		{in: "45АБ", code: "invalid_format"},
	})
}

func TestNormalizePassportNumber(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizePassportNumber, []normCase{
		{in: "123456", want: "123456"},
		{in: "012345", want: "012345"},
		{in: "", code: "required"},
		{in: "12345", code: "invalid_format"},
		{in: "1234567", code: "invalid_format"},
		{in: "123 456", code: "invalid_format"},
		{in: "12345O", code: "invalid_format"},
	})
}

func TestNormalizeDivisionCode(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizeDivisionCode, []normCase{
		{in: "770-001", want: "770-001"},
		{in: "770001", want: "770-001"},
		{in: "770 001", want: "770-001"},
		{in: "", code: "required"},
		{in: "77-0001", code: "invalid_format"},
		{in: "770-0011", code: "invalid_format"},
		{in: "770_001", code: "invalid_format"},
	})
}

func TestNormalizeIssuedBy(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizeIssuedBy, []normCase{
		{in: " ОВД  района\tАрбат г. Москвы ", want: "ОВД района Арбат г. Москвы"},
		{in: strings.Repeat("я", 200), want: strings.Repeat("я", 200)},
		{in: "", code: "required"},
		{in: strings.Repeat("я", 201), code: "too_long"},
		{in: "ОВД\x00", code: "invalid_format"},
	})
}

var validateNow = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)

func mustParseDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseBirthDate(t *testing.T) {
	t.Parallel()
	moscow := time.FixedZone("MSK", 3*3600)
	cases := []struct {
		in   string
		now  time.Time
		code string
	}{
		{in: "1990-05-17", now: validateNow},
		{in: "2025-06-15", now: validateNow}, // born today
		{in: "1900-01-01", now: time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "1895-06-15", now: validateNow, code: "out_of_range"},                                 // before 1900
		{in: "1899-12-31", now: validateNow, code: "out_of_range"},                                 // before 1900
		{in: "1900-01-01", now: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC), code: "out_of_range"}, // older than 130
		{in: "1900-01-01", now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},                       // exactly 130
		{in: "2025-06-16", now: validateNow, code: "in_future"},
		// 23:30 UTC on the 15th is already the 16th in Moscow: now's own zone counts.
		{in: "2025-06-16", now: time.Date(2025, 6, 15, 23, 30, 0, 0, time.UTC).In(moscow)},
		{in: "", now: validateNow, code: "required"},
		{in: "17.05.1990", now: validateNow, code: "invalid_format"},
		{in: "1990-5-17", now: validateNow, code: "invalid_format"},
		{in: "1990-02-30", now: validateNow, code: "invalid_format"},
		{in: "1990-05-17T00:00:00Z", now: validateNow, code: "invalid_format"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseBirthDate(tc.in, tc.now)
			if code := fieldCode(t, err); code != tc.code {
				t.Fatalf("ParseBirthDate(%q, %v) code = %q, want %q", tc.in, tc.now, code, tc.code)
			}
			if tc.code == "" && got.Format(time.DateOnly) != tc.in {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestParsePassportIssueDate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		birth    time.Time
		code     string
	}{
		{name: "ok", in: "2010-03-01", birth: mustParseDate("1990-05-17")},
		{name: "birth unknown", in: "1960-01-01"},
		{name: "14th birthday", in: "2004-05-17", birth: mustParseDate("1990-05-17")},
		{name: "day before 14", in: "2004-05-16", birth: mustParseDate("1990-05-17"), code: "out_of_range"},
		// Born 29 February: 14 years are up on 28 February of a common year.
		{name: "leap birth", in: "2018-02-28", birth: mustParseDate("2004-02-29")},
		{name: "leap birth early", in: "2018-02-27", birth: mustParseDate("2004-02-29"), code: "out_of_range"},
		{name: "today", in: "2025-06-15"},
		{name: "future", in: "2025-06-16", code: "in_future"},
		{name: "empty", in: "", code: "required"},
		{name: "format", in: "01.03.2010", code: "invalid_format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePassportIssueDate(tc.in, tc.birth, validateNow)
			if code := fieldCode(t, err); code != tc.code {
				t.Fatalf("code = %q, want %q (%v)", code, tc.code, err)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizePhone, []normCase{
		{in: "+7 (912) 345-67-89", want: "+79123456789"},
		{in: "8 912 345 67 89", want: "+79123456789"},
		{in: "89123456789", want: "+79123456789"},
		{in: "+79123456789", want: "+79123456789"},
		{in: "7 912 345 67 89", want: "+79123456789"},
		{in: "8 (495) 123-45-67", want: "+74951234567"},
		{in: "+7 343 123 45 67", want: "+73431234567"},
		{in: "+7 800 555 35 35", want: "+78005553535"},
		{in: "+49 151 12345678", want: "+4915112345678"},
		{in: "+998 90 123 45 67", want: "+998901234567"},
		{in: "+375291234567", want: "+375291234567"},
		{in: "+12025550123", want: "+12025550123"},
		{in: "+3612345678", want: "+3612345678"}, // 10 digits: a short foreign number
		{in: "", code: "required"},
		{in: "+7 912 345 67 8", code: "invalid_format"},      // 9 digits after +7
		{in: "+7 912 345 67 890", code: "invalid_format"},    // 11 digits after +7
		{in: "+7 612 345 67 89", code: "invalid_format"},     // not 3/4/8/9
		{in: "+7 712 345 67 89", code: "invalid_format"},     // Kazakhstan is not accepted
		{in: "9123456789", code: "invalid_format"},           // no prefix at all
		{in: "912 345 67 89", code: "invalid_format"},        //
		{in: "+89123456789", code: "invalid_format"},         // +8 instead of +7
		{in: "+1234567", code: "invalid_format"},             // 7 digits
		{in: "+1234567890123456", code: "invalid_format"},    // 16 digits
		{in: "+0123456789", code: "invalid_format"},          // no country code starts with 0
		{in: "+7 912 ABC 67 89", code: "invalid_format"},     // letters
		{in: "+7 (912 345-67-89", code: "invalid_format"},    // unbalanced
		{in: "+7 )912( 345-67-89", code: "invalid_format"},   //
		{in: "+7 (9)(12) 345-67-89", code: "invalid_format"}, // two pairs
		{in: "++79123456789", code: "invalid_format"},
		{in: "7+9123456789", code: "invalid_format"},
		{in: "+", code: "invalid_format"},
		{in: "+7 912 345 67 89 доб. 12", code: "invalid_format"},
	})
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + ".ru"
	runNorm(t, NormalizeEmail, []normCase{
		{in: "ivan@example.ru", want: "ivan@example.ru"},
		{in: " Ivan.Petrov+zapis@Example.RU ", want: "Ivan.Petrov+zapis@example.ru"},
		{in: "ivan@почта.рф", want: "ivan@почта.рф"},
		{in: "иван@ПОЧТА.РФ", want: "иван@почта.рф"},
		{in: "ivan@xn--80a1acny.xn--p1ai", want: "ivan@xn--80a1acny.xn--p1ai"},
		{in: "o'neil@mail.co.uk", want: "o'neil@mail.co.uk"},
		{in: "a_b-c@sub-domain.example.com", want: "a_b-c@sub-domain.example.com"},
		{in: long[:254], want: long[:254]},
		{in: "", code: "required"},
		{in: long[:251] + "d.ru", code: "too_long"},
		{in: strings.Repeat("a", 65) + "@example.ru", code: "too_long"},
		{in: "ivan", code: "invalid_format"},
		{in: "ivan@", code: "invalid_format"},
		{in: "@example.ru", code: "invalid_format"},
		{in: "ivan@@example.ru", code: "invalid_format"},
		{in: "ivan@a@example.ru", code: "invalid_format"},
		{in: "ivan@localhost", code: "invalid_format"},
		{in: "ivan@example.r", code: "invalid_format"},
		{in: "ivan@example.123", code: "invalid_format"},
		{in: "ivan@-example.ru", code: "invalid_format"},
		{in: "ivan@example-.ru", code: "invalid_format"},
		{in: "ivan@exa_mple.ru", code: "invalid_format"},
		{in: "ivan@example..ru", code: "invalid_format"},
		{in: "ivan@.example.ru", code: "invalid_format"},
		{in: "ivan.@example.ru", code: "invalid_format"},
		{in: ".ivan@example.ru", code: "invalid_format"},
		{in: "iv..an@example.ru", code: "invalid_format"},
		{in: "iv an@example.ru", code: "invalid_format"},
		{in: `"ivan"@example.ru`, code: "invalid_format"},
		{in: "Иван <ivan@example.ru>", code: "invalid_format"},
		{in: "<ivan@example.ru>", code: "invalid_format"},
		{in: "ivan@example.ru (Иван)", code: "invalid_format"},
		{in: "ivan@exämple.de", code: "invalid_format"}, // only Latin and Cyrillic domains
		{in: "ivan@[127.0.0.1]", code: "invalid_format"},
		{in: "ivan@example.ru\n", want: "ivan@example.ru"},
		{in: "iv\nan@example.ru", code: "invalid_format"},
	})
}

func TestNormalizePersonName(t *testing.T) {
	t.Parallel()
	runNorm(t, NormalizePersonName, []normCase{
		{in: "Иванов", want: "Иванов"},
		{in: "  Фёдор  ", want: "Фёдор"},
		{in: "Салтыков-Щедрин", want: "Салтыков-Щедрин"},
		{in: "Салтыков - Щедрин", want: "Салтыков-Щедрин"},
		{in: "Анна  Мария", want: "Анна Мария"},
		{in: "Д’Артаньян", want: "Д'Артаньян"},
		{in: "O'Neil", want: "O'Neil"},
		{in: "Smith", want: "Smith"},
		{in: "Оглы Мамед", want: "Оглы Мамед"},
		{in: "Андре\u0438\u0306", want: "Андрей"}, // decomposed й
		{in: "Я", want: "Я"},
		{in: strings.Repeat("я", 60), want: strings.Repeat("я", 60)},
		{in: "", code: "required"},
		{in: "   ", code: "required"},
		{in: strings.Repeat("я", 61), code: "too_long"},
		{in: "Иван0в", code: "invalid_format"},
		{in: "Иванов!", code: "invalid_format"},
		{in: "-Иванов", code: "invalid_format"},
		{in: "Иванов-", code: "invalid_format"},
		{in: "'Иванов", code: "invalid_format"},
		{in: "Иванов--Петров", code: "invalid_format"},
		{in: "Иванов-'Петров", code: "invalid_format"},
		{in: "Ιωάννης", code: "invalid_format"}, // Greek
		{in: "李", code: "invalid_format"},
		{in: "Иванов\u200b", code: "invalid_format"}, // zero-width space
	})
}
