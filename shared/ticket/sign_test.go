package ticket

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	testKey   = []byte("test-key-for-zapis-tickets-0123456789")
	otherKey  = []byte("another-key-for-zapis-tickets-987654321")
	testStart = time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)
)

func testSigner(t testing.TB) Signer {
	t.Helper()
	s, err := NewSigner(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSigner(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 16, 31} {
		if _, err := NewSigner(make([]byte, n)); err == nil {
			t.Errorf("NewSigner(%d bytes): want error", n)
		}
	}
	key := []byte(strings.Repeat("k", 32))
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	qr := s.Sign(Payload{Code: "ABCD2345", BookingID: "bk-1", Start: testStart})
	key[0] = 'x' // the signer keeps its own copy
	if _, err := s.Verify(qr); err != nil {
		t.Fatalf("after caller changed its key buffer: %v", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	s := testSigner(t)
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    Payload
	}{
		{"typical", Payload{Code: "ABCD2345", BookingID: "bk-mfrggzdfmztwq2lk", Start: testStart}},
		{"zoned start", Payload{Code: "0000ZZZZ", BookingID: "bk-x", Start: testStart.In(moscow)}},
		{"one char fields", Payload{Code: "A", BookingID: "b", Start: time.Unix(1, 0)}},
		{"longest fields", Payload{Code: strings.Repeat("Z", maxCodeLen), BookingID: strings.Repeat("_", maxBookingIDLen), Start: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			qr := s.Sign(tt.p)
			if !strings.HasPrefix(qr, Version+".") {
				t.Errorf("Sign = %q, want prefix %q", qr, Version+".")
			}
			for _, c := range []byte(qr) {
				if c < 0x21 || c > 0x7e {
					t.Fatalf("Sign = %q: not printable ASCII", qr)
				}
			}
			got, err := s.Verify(qr)
			if err != nil {
				t.Fatalf("Verify(%q): %v", qr, err)
			}
			if got.Code != tt.p.Code || got.BookingID != tt.p.BookingID || !got.Start.Equal(tt.p.Start) || got.Start.Location() != time.UTC {
				t.Errorf("Verify = %+v, want %+v in UTC", got, tt.p)
			}
			if again := s.Sign(got); again != qr {
				t.Errorf("re-signed %q, want %q", again, qr)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	s := testSigner(t)
	other, err := NewSigner(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	p := Payload{Code: "ABCD2345", BookingID: "bk-mfrggzdfmztwq2lk", Start: testStart}
	good := s.Sign(p)
	unix := strconv.FormatInt(testStart.Unix(), 10)
	// signed builds a string with a valid MAC over msg, to show that parsing,
	// not only the MAC, rejects what Sign never writes.
	signed := func(msg string) string { return msg + "." + s.mac(msg) }

	tests := []struct {
		name string
		s    Signer
		qr   string
	}{
		{"empty", s, ""},
		{"only a dot", s, "."},
		{"version only", s, Version},
		{"no signature", s, strings.TrimSuffix(good, good[strings.LastIndexByte(good, '.'):])},
		{"empty signature", s, good[:strings.LastIndexByte(good, '.')+1]},
		{"other key", other, good},
		{"zero signer", Signer{}, good},
		{"signed by other key", s, other.Sign(p)},
		{"too long", s, good + strings.Repeat("A", MaxQRLen)},
		{"too long, valid mac", s, signed(message("ABCD2345", strings.Repeat("b", MaxQRLen), unix))},
		{"wrong version, valid mac", s, signed("ZAPIS2.ABCD2345.bk-1." + unix)},
		{"lower-case version, valid mac", s, signed("zapis1.ABCD2345.bk-1." + unix)},
		{"extra field, valid mac", s, signed(message("ABCD2345", "bk-1", unix) + ".x")},
		{"missing field, valid mac", s, signed(Version + ".ABCD2345." + unix)},
		{"dot in code, valid mac", s, s.Sign(Payload{Code: "AB.CD", BookingID: "bk-1", Start: testStart})},
		{"empty code, valid mac", s, s.Sign(Payload{BookingID: "bk-1", Start: testStart})},
		{"non-ASCII booking id, valid mac", s, s.Sign(Payload{Code: "ABCD2345", BookingID: "bk-ж", Start: testStart})},
		{"zero start, valid mac", s, s.Sign(Payload{Code: "ABCD2345", BookingID: "bk-1"})},
		{"leading zero start, valid mac", s, signed(message("ABCD2345", "bk-1", "0"+unix))},
		{"plus sign start, valid mac", s, signed(message("ABCD2345", "bk-1", "+"+unix))},
		{"negative start, valid mac", s, signed(message("ABCD2345", "bk-1", "-"+unix))},
		{"overflowing start, valid mac", s, signed(message("ABCD2345", "bk-1", "99999999999999999999"))},
		{"padded signature", s, good + "="},
		{"newline in signature", s, good[:len(good)-2] + "\n" + good[len(good)-2:]},
		{"std base64 signature", s, strings.NewReplacer("-", "+", "_", "/").Replace(good)},
	}
	// Every truncation.
	for i := range len(good) {
		tests = append(tests, struct {
			name string
			s    Signer
			qr   string
		}{fmt.Sprintf("truncated to %d", i), s, good[:i]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := tt.s.Verify(tt.qr); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify(%q) = %+v, %v; want ErrBadSignature", tt.qr, got, err)
			}
		})
	}
}

// TestVerifyRejectsEverySingleByteChange substitutes every byte of a signed
// payload with every other byte value, and deletes and duplicates each one.
func TestVerifyRejectsEverySingleByteChange(t *testing.T) {
	t.Parallel()
	s := testSigner(t)
	good := s.Sign(Payload{Code: "ABCD2345", BookingID: "bk-mfrggzdfmztwq2lk", Start: testStart})
	check := func(qr string) {
		t.Helper()
		if _, err := s.Verify(qr); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Verify(%q) = %v, want ErrBadSignature", qr, err)
		}
	}
	b := []byte(good)
	for i := range b {
		orig := b[i]
		for c := range 256 {
			if byte(c) == orig {
				continue
			}
			b[i] = byte(c)
			check(string(b))
		}
		b[i] = orig
		check(good[:i] + good[i+1:])
		check(good[:i] + good[i:i+1] + good[i:])
	}
}
