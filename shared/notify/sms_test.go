package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	a, ya, emoji := "a", "я", "😀"
	tests := []struct {
		name     string
		text     string
		encoding string
		segments int
	}{
		{"empty", "", "GSM-7", 1},
		{"ascii 160", strings.Repeat(a, 160), "GSM-7", 1},
		{"ascii 161", strings.Repeat(a, 161), "GSM-7", 2},
		{"ascii 306", strings.Repeat(a, 306), "GSM-7", 2},
		{"ascii 307", strings.Repeat(a, 307), "GSM-7", 3},
		{"gsm basic letters", "Ærø £5 @ Ñoño §1 ¿¡", "GSM-7", 1},
		{"euro counts 2: 159+1 septets", "€" + strings.Repeat(a, 158), "GSM-7", 1},
		{"euro counts 2: 161 septets", "€" + strings.Repeat(a, 159), "GSM-7", 2},
		{"80 euros", strings.Repeat("€", 80), "GSM-7", 1},
		{"81 euros", strings.Repeat("€", 81), "GSM-7", 2},
		{"extension chars", "[]{}|^~\\", "GSM-7", 1},
		// 306 septets, but ESC and its character stay in one part.
		{"escape not split", strings.Repeat(a, 152) + "€" + strings.Repeat(a, 152), "GSM-7", 3},
		{"backtick is not GSM", strings.Repeat(a, 100) + "`", "UCS-2", 2},
		{"small c cedilla is not GSM", "ç", "UCS-2", 1},
		{"cyrillic 70", strings.Repeat(ya, 70), "UCS-2", 1},
		{"cyrillic 71", strings.Repeat(ya, 71), "UCS-2", 2},
		{"cyrillic 134", strings.Repeat(ya, 134), "UCS-2", 2},
		{"cyrillic 135", strings.Repeat(ya, 135), "UCS-2", 3},
		{"ascii with one cyrillic", strings.Repeat(a, 69) + ya, "UCS-2", 1},
		{"35 emoji are 70 units", strings.Repeat(emoji, 35), "UCS-2", 1},
		{"36 emoji are 72 units", strings.Repeat(emoji, 36), "UCS-2", 2},
		{"emoji and 69 letters are 71 units", emoji + strings.Repeat(ya, 69), "UCS-2", 2},
		{"67 emoji are 134 units", strings.Repeat(emoji, 67), "UCS-2", 3}, // a pair never straddles parts of 67
		{"surrogate pair not split", strings.Repeat(ya, 66) + emoji + strings.Repeat(ya, 66), "UCS-2", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, n := Segments(tt.text)
			if enc != tt.encoding || n != tt.segments {
				t.Errorf("Segments = %s, %d; want %s, %d", enc, n, tt.encoding, tt.segments)
			}
		})
	}
}

func TestGSMAlphabet(t *testing.T) {
	t.Parallel()
	// 128 code points, one of them ESC.
	if n := utf8.RuneCountInString(gsmBasic); n != 127 {
		t.Errorf("basic set has %d characters, want 127", n)
	}
	for _, r := range gsmExtension {
		if strings.ContainsRune(gsmBasic, r) {
			t.Errorf("%q is in both tables", r)
		}
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"Получение паспорта", 18, "Получение паспорта"},
		{"Получение паспорта гражданина", 20, "Получение паспорта…"},
		{"Получение паспорта, гражданина", 20, "Получение паспорта…"}, // no «,…»
		{"Получениепаспорта", 8, "Получен…"},                          // no word boundary near
		{"Получение паспорта", 1, "…"},
		{"Получение паспорта", 0, ""},
		{"😀😀😀", 4, "😀…"}, // a surrogate pair is never split
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.limit); got != tt.want || utf16Len(got) > max(tt.limit, 0) {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}
