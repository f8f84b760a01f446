// Package ticket signs and verifies the QR content of booking tickets
// (HMAC-SHA256). It has no rendering: shared/ticket/pdf draws the PDF, so
// the check-in function verifies without linking fpdf, fonts or QR.
package ticket

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Version is the prefix of every QR payload. A new format gets a new prefix
// so old tickets keep verifying (or fail loudly) during a key or format change.
const Version = "ZAPIS1"

// MinKeyLen is the shortest HMAC key NewSigner accepts: 32 bytes matches the
// SHA-256 output, so the key is never the weak link.
const MinKeyLen = 32

// MaxQRLen bounds what Verify reads; a real payload is about 90 bytes.
const MaxQRLen = 512

// Field limits for Code and BookingID. The alphabet has no '.', which is the
// separator, so every payload has exactly one encoding.
const (
	maxCodeLen      = 32
	maxBookingIDLen = 64
)

// ErrBadSignature is returned by Verify for any input it does not accept:
// tampered, truncated, signed with another key, of another version or not a
// payload at all. Callers need not tell these apart, and must not tell the
// person scanning which one it was.
var ErrBadSignature = errors.New("ticket: bad signature")

// Signer signs and verifies QR payloads with HMAC-SHA256.
// The zero Signer has no key and verifies nothing.
type Signer struct {
	key []byte
}

// HasKey reports whether s was made by NewSigner (the zero Signer signs
// nothing a verifier would accept).
func (s Signer) HasKey() bool { return len(s.key) > 0 }

// NewSigner returns a Signer for key, which must be at least MinKeyLen bytes.
func NewSigner(key []byte) (Signer, error) {
	if len(key) < MinKeyLen {
		return Signer{}, fmt.Errorf("ticket: signing key is %d bytes, need at least %d", len(key), MinKeyLen)
	}
	// Copy so a caller reusing its buffer cannot change our key.
	return Signer{key: append([]byte(nil), key...)}, nil
}

// Payload is what the QR carries.
type Payload struct {
	Code      string
	BookingID string
	Start     time.Time // slot start; carried as Unix seconds, returned in UTC
}

// Validate reports whether p can be signed: Code and BookingID are non-empty
// and made of ASCII letters, digits, '-' and '_', and Start is after 1970.
func (p Payload) Validate() error {
	if !validField(p.Code, maxCodeLen) {
		return fmt.Errorf("ticket: code %q: want 1-%d of A-Z a-z 0-9 - _", p.Code, maxCodeLen)
	}
	if !validField(p.BookingID, maxBookingIDLen) {
		return fmt.Errorf("ticket: booking id %q: want 1-%d of A-Z a-z 0-9 - _", p.BookingID, maxBookingIDLen)
	}
	if p.Start.Unix() <= 0 {
		return fmt.Errorf("ticket: start %v is not after 1970", p.Start)
	}
	return nil
}

// Sign returns the compact ASCII form of p:
//
//	ZAPIS1.<code>.<bookingId>.<unix start>.<base64url HMAC-SHA256, no padding>
//
// The MAC covers everything before the last dot, version included. Sign
// expects a valid p (see Payload.Validate); what it returns for an invalid
// one is rejected by Verify.
func (s Signer) Sign(p Payload) string {
	msg := message(p.Code, p.BookingID, strconv.FormatInt(p.Start.Unix(), 10))
	return msg + "." + s.mac(msg)
}

// Verify checks qr and returns its payload. Any error wraps ErrBadSignature.
func (s Signer) Verify(qr string) (Payload, error) {
	// Length first: no work at all on oversized input.
	if len(qr) > MaxQRLen {
		return Payload{}, fmt.Errorf("%w: %d bytes, limit %d", ErrBadSignature, len(qr), MaxQRLen)
	}
	if len(s.key) == 0 {
		return Payload{}, fmt.Errorf("%w: signer has no key", ErrBadSignature)
	}
	i := strings.LastIndexByte(qr, '.')
	if i < 0 {
		return Payload{}, fmt.Errorf("%w: malformed", ErrBadSignature)
	}
	msg, sig := qr[:i], qr[i+1:]
	// Compare the encoded MACs: decoding the given one instead would let
	// non-canonical base64 (stray trailing bits) verify as well.
	if !hmac.Equal([]byte(sig), []byte(s.mac(msg))) {
		return Payload{}, fmt.Errorf("%w: mac mismatch", ErrBadSignature)
	}
	// The MAC is ours, so the rest was produced by Sign; still parse strictly
	// so a valid MAC over a malformed message (a Sign misuse) is refused.
	parts := strings.Split(msg, ".")
	if len(parts) != 4 || parts[0] != Version {
		return Payload{}, fmt.Errorf("%w: malformed", ErrBadSignature)
	}
	unix, ok := parseUnix(parts[3])
	if !ok {
		return Payload{}, fmt.Errorf("%w: malformed start", ErrBadSignature)
	}
	p := Payload{Code: parts[1], BookingID: parts[2], Start: time.Unix(unix, 0).UTC()}
	if err := p.Validate(); err != nil {
		return Payload{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return p, nil
}

func (s Signer) mac(msg string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func message(code, bookingID, unix string) string {
	return Version + "." + code + "." + bookingID + "." + unix
}

func validField(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseUnix accepts only the canonical decimal form Sign writes (no sign,
// no leading zeros), so each payload has a single valid string.
func parseUnix(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}
