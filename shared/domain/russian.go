package domain

import (
	"fmt"
	"time"
)

// monthsGenitive are Russian month names as they follow a day number:
// «23 ноября», not «23 ноябрь».
var monthsGenitive = [...]string{
	"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря",
}

// RussianDate writes t's date (in t's location) as «23 ноября 2026 г.».
func RussianDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d г.", t.Day(), monthsGenitive[t.Month()-1], t.Year())
}

// UTCOffset writes t's UTC offset as «UTC+3», «UTC+5:30» or «UTC»: a zone
// name alone means little to a citizen reading in another region.
func UTCOffset(t time.Time) string {
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
