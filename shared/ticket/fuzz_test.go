package ticket

import (
	"errors"
	"testing"
)

// FuzzVerify checks that Verify never panics, fails only with
// ErrBadSignature, and accepts only what Sign writes: an accepted payload
// re-signs to the same string. A fuzzer cannot forge a MAC, so each input is
// also tried as a message signed here, which drives the parser behind the MAC
// check. Seeds are in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	s := testSigner(f)
	f.Add(s.Sign(Payload{Code: "ABCD2345", BookingID: "bk-mfrggzdfmztwq2lk", Start: testStart}))
	f.Fuzz(func(t *testing.T, in string) {
		for _, qr := range []string{in, in + "." + s.mac(in)} {
			p, err := s.Verify(qr)
			if err != nil {
				if !errors.Is(err, ErrBadSignature) {
					t.Fatalf("Verify(%q) error %v does not wrap ErrBadSignature", qr, err)
				}
				continue
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("Verify(%q) accepted an invalid payload %+v: %v", qr, p, err)
			}
			if again := s.Sign(p); again != qr {
				t.Fatalf("Verify(%q) = %+v, which re-signs to %q", qr, p, again)
			}
		}
	})
}
