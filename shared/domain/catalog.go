package domain

import "time"

// Category groups services in the catalog.
type Category string

const (
	CategoryHealth    Category = "health"
	CategoryDocuments Category = "documents"
	CategoryTransport Category = "transport"
	CategoryTaxes     Category = "taxes"
	CategorySocial    Category = "social"
)

// Categories lists every valid category, in display order.
var Categories = []Category{CategoryHealth, CategoryDocuments, CategoryTransport, CategoryTaxes, CategorySocial}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// DefaultCancelBeforeHours is used when a service does not set its own window.
const DefaultCancelBeforeHours = 24

// RequiredDocument is a document a citizen must (or may) upload for a service.
type RequiredDocument struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Mandatory bool   `json:"mandatory"`
}

// Service is a public service that can be booked ("Оформление паспорта").
type Service struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	Category          Category           `json:"category"`
	Department        string             `json:"department"`
	Description       string             `json:"description"`
	DurationMinutes   int                `json:"durationMinutes"`
	CancelBeforeHours int                `json:"cancelBeforeHours"`
	RequiredDocuments []RequiredDocument `json:"requiredDocuments"`
}

// InstitutionKind says what sort of office an institution is.
type InstitutionKind string

const (
	KindClinic  InstitutionKind = "clinic"
	KindMFC     InstitutionKind = "mfc"
	KindGIBDD   InstitutionKind = "gibdd"
	KindTax     InstitutionKind = "tax"
	KindPension InstitutionKind = "pension"
)

// InstitutionKinds lists every valid kind.
var InstitutionKinds = []InstitutionKind{KindClinic, KindMFC, KindGIBDD, KindTax, KindPension}

// Valid reports whether k is a known kind.
func (k InstitutionKind) Valid() bool {
	for _, x := range InstitutionKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Interval is a span of local wall-clock time within a day, "09:00"–"13:00".
type Interval struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Weekly maps a weekday key ("mon" … "sun") to its intervals.
type Weekly map[string][]Interval

// WeekdayKeys are the keys of Weekly in calendar order, Monday first.
var WeekdayKeys = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// WeekdayKey returns the Weekly key of d.
func WeekdayKey(d time.Weekday) string {
	return WeekdayKeys[(int(d)+6)%7]
}

// Institution is an office where services are provided. Timezone is an IANA
// name; all of its dates and local times are in that zone.
type Institution struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Kind       InstitutionKind `json:"kind"`
	Region     string          `json:"region"`
	Locality   string          `json:"locality"`
	Address    string          `json:"address"`
	Phone      string          `json:"phone"`
	Email      string          `json:"email"`
	Timezone   string          `json:"timezone"`
	WorkHours  Weekly          `json:"workHours"`
	ServiceIDs []string        `json:"serviceIds"`
}

// Offers reports whether the institution provides service id.
func (in Institution) Offers(id string) bool {
	for _, s := range in.ServiceIDs {
		if s == id {
			return true
		}
	}
	return false
}

// Location loads the institution's time zone.
func (in Institution) Location() (*time.Location, error) {
	return time.LoadLocation(in.Timezone)
}
