package ticketpdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

// formatSlot writes the visit in the institution's zone as the date and
// time, «23 ноября 2026 г., 09:30–09:45», and the zone with its offset at
// that moment, «(Asia/Kamchatka, UTC+12)», so a ticket read in another
// region is not misread.
func formatSlot(start, end time.Time, loc *time.Location) (when, zone string) {
	start, end = start.In(loc), end.In(loc)
	var b strings.Builder
	b.WriteString(domain.RussianDate(start))
	b.WriteString(", ")
	b.WriteString(start.Format("15:04"))
	b.WriteString("–")
	if !sameDay(start, end) {
		b.WriteString(domain.RussianDate(end))
		b.WriteString(", ")
	}
	b.WriteString(end.Format("15:04"))
	return b.String(), fmt.Sprintf("(%s, %s)", loc.String(), domain.UTCOffset(start))
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
