package notify

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSMSSegments is the most parts an SMS may take: each part is billed, and
// long concatenated messages arrive out of order on some phones.
const MaxSMSSegments = 2

// Segment sizes: GSM-7 septets and UCS-2 code units, for a single message
// and per part of a concatenated one (the rest of a part is its header).
const (
	gsmSingle, gsmPart   = 160, 153
	ucs2Single, ucs2Part = 70, 67
)

// smsLimit is what fits in MaxSMSSegments UCS-2 parts. Every template has
// Cyrillic in it, so an SMS is always UCS-2.
const smsLimit = MaxSMSSegments * ucs2Part

// gsmBasic is the GSM 03.38 default alphabet without ESC: one septet each.
// gsmExtension is its extension table, sent as ESC and a septet.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// gsmWidth is the septets r takes in GSM-7, or 0 when GSM-7 cannot carry it.
func gsmWidth(r rune) int {
	switch {
	case strings.ContainsRune(gsmBasic, r):
		return 1
	case strings.ContainsRune(gsmExtension, r):
		return 2
	}
	return 0
}

// ucs2Width is the UTF-16 code units r takes: 2 for a surrogate pair.
func ucs2Width(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // invalid UTF-8 is sent as U+FFFD
}

// Segments tells how text goes out as an SMS: GSM-7 when every character is
// in the GSM 03.38 alphabet (extension characters take two septets),
// otherwise UCS-2, counted in UTF-16 code units. A two-unit character is
// never split between parts, as phones could not rejoin it.
func Segments(text string) (encoding string, segments int) {
	encoding, width, single, part := "GSM-7", gsmWidth, gsmSingle, gsmPart
	for _, r := range text {
		if gsmWidth(r) == 0 {
			encoding, width, single, part = "UCS-2", ucs2Width, ucs2Single, ucs2Part
			break
		}
	}
	total := 0
	for _, r := range text {
		total += width(r)
	}
	if total <= single {
		return encoding, 1
	}
	segments, used := 1, 0
	for _, r := range text {
		w := width(r)
		if used+w > part {
			segments, used = segments+1, 0
		}
		used += w
	}
	return encoding, segments
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += ucs2Width(r)
	}
	return n
}

// errNoRoom means the fixed part of a short message (lead, time, code) does
// not fit on its own; with validated facts it cannot happen.
var errNoRoom = errors.New("notify: message does not fit")

// floor is what the first round of shortening leaves of each field, in
// UTF-16 units: enough to recognise a service or a street.
const floor = 20

// fit renders a short message and, while it does not fit, shortens fields:
// first one by one in the order given, each down to floor, then all alike
// to a common cap, so that none is cut to nothing while another stays
// long. The fixed part (lead, time, code) is never cut.
func fit(render func() string, fits func(string) bool, limit int, fields ...*string) (string, error) {
	for _, f := range fields {
		for {
			text := render()
			if fits(text) {
				return text, nil
			}
			n := utf16Len(*f)
			if n <= floor {
				break
			}
			over := max(utf16Len(text)-limit, 1)
			*f = shorten(*f, max(n-over, floor))
		}
	}
	kept := make([]string, len(fields))
	for i, f := range fields {
		kept[i] = *f
	}
	for c := floor - 1; c >= 0; c-- {
		for i, f := range fields {
			*f = shorten(kept[i], c)
		}
		if text := render(); fits(text) {
			return text, nil
		}
	}
	return "", errNoRoom
}

// shorten cuts s to at most limit UTF-16 units, at a word boundary unless
// that loses more than half, and marks the cut with «…».
func shorten(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	n, end := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if n+ucs2Width(r) > limit-1 {
			break
		}
		n += ucs2Width(r)
		end += size
	}
	head := s[:end]
	if s[end] != ' ' {
		if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
			head = head[:i]
		}
	}
	return strings.TrimRight(head, " ,.;:-–—(«\"") + "…"
}
