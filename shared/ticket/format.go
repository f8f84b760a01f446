package ticket

import (
	"fmt"
	"strings"
	"time"
)

// monthsGenitive are Russian month names as they follow a day number:
// «23 ноября», not «23 ноябрь».
var monthsGenitive = [...]string{
	"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря",
}

// formatDate writes t as «23 ноября 2026 г.».
func formatDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d г.", t.Day(), monthsGenitive[t.Month()-1], t.Year())
}

// formatSlot writes the visit in the institution's zone as the date and
// time, «23 ноября 2026 г., 09:30–09:45», and the zone with its offset at
// that moment, «(Asia/Kamchatka, UTC+12)», so a ticket read in another
// region is not misread.
func formatSlot(start, end time.Time, loc *time.Location) (when, zone string) {
	start, end = start.In(loc), end.In(loc)
	var b strings.Builder
	b.WriteString(formatDate(start))
	b.WriteString(", ")
	b.WriteString(start.Format("15:04"))
	b.WriteString("–")
	if !sameDay(start, end) {
		b.WriteString(formatDate(end))
		b.WriteString(", ")
	}
	b.WriteString(end.Format("15:04"))
	return b.String(), fmt.Sprintf("(%s, %s)", loc.String(), formatOffset(start))
}

// formatOffset writes t's UTC offset as «UTC+3», «UTC+5:30» or «UTC».
func formatOffset(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off%3600/60
	if m == 0 {
		return fmt.Sprintf("UTC%s%d", sign, h)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// groupCode splits a code into groups of four for reading aloud:
// «ABCD-EFGH». Codes whose length is not a multiple of four are left as is.
func groupCode(code string) string {
	if len(code) <= 4 || len(code)%4 != 0 {
		return code
	}
	groups := make([]string, 0, len(code)/4)
	for i := 0; i < len(code); i += 4 {
		groups = append(groups, code[i:i+4])
	}
	return strings.Join(groups, "-")
}
