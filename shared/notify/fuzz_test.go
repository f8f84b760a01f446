package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzCompose checks that Compose never panics, fails only for invalid
// input, and that what it writes keeps the limits: an SMS in at most
// MaxSMSSegments, a push in MaxPushLength, both with the code and the time.
// The code is built from a number so that most inputs get past validation.
// Seeds are in testdata/fuzz/FuzzCompose.
func FuzzCompose(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, codeBits uint64, service, institution, address, document, reason, zone string, start, previous int64) {
		k := Kind("unknown")
		if int(kind) < len(Kinds) {
			k = Kinds[kind]
		}
		var c [8]byte
		for i := range c {
			c[i] = crockford[codeBits>>(5*i)&31]
		}
		facts := Facts{
			Code: string(c[:]), ServiceName: service, InstitutionName: institution, Address: address,
			Timezone: zone, Start: time.Unix(start, 0), DocumentName: document, Reason: reason,
		}
		if previous != 0 {
			facts.PreviousStart = time.Unix(previous, 0)
		}
		code := string(c[:4]) + "-" + string(c[4:])
		for _, ch := range Channels {
			m, err := Compose(k, ch, facts)
			if err != nil {
				if errors.Is(err, errNoRoom) || !errors.Is(err, ErrUnknownKind) && !errors.Is(err, ErrInvalidFacts) {
					t.Fatalf("%s/%s: unexpected error %v for %+v", k, ch, err, facts)
				}
				continue
			}
			if !strings.Contains(m.Text, code) {
				t.Fatalf("%s/%s lacks the code %s: %q", k, ch, code, m.Text)
			}
			if ch == Email {
				continue
			}
			loc, _ := time.LoadLocation(zone)
			if when := shortTime(facts.Start.In(loc), true); !strings.Contains(m.Text, when) {
				t.Fatalf("%s/%s lacks the time %s: %q", k, ch, when, m.Text)
			}
			if _, n := Segments(m.Text); ch == SMS && n > MaxSMSSegments {
				t.Fatalf("SMS of %d segments: %q", n, m.Text)
			}
			if ch == Push && utf16Len(m.Text) > MaxPushLength {
				t.Fatalf("push of %d units: %q", utf16Len(m.Text), m.Text)
			}
		}
	})
}
