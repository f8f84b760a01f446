// Package ticketpdf renders the booking confirmation («талон»): a one-page A4 PDF
// with the visit's details, the booking code and a QR code whose content is
// signed, so the institution can check a ticket offline with the key alone.
//
// It has no AWS imports; the confirmation worker stores what Render returns.
package ticketpdf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the zone database, so Render works where the OS has none
	"unicode/utf8"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/go-pdf/fpdf"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/ticket"
)

// Ticket is what the PDF shows.
type Ticket struct {
	Code        string // booking code, e.g. "ABCD2345"
	BookingID   string
	FullName    string // «Иванов Иван Иванович»
	ServiceName string

	InstitutionName string
	Address         string
	Timezone        string // IANA zone of the institution, e.g. "Asia/Kamchatka"

	Start, End time.Time // the slot
	IssuedAt   time.Time // becomes the PDF's creation date
}

// Text limits, matching what the domain lets into a catalog or a profile;
// with them the page layout always fits on one sheet.
const (
	maxNameRunes    = 200
	maxAddressRunes = 500
)

// validate checks t and returns the institution's zone.
func (t Ticket) validate() (*time.Location, error) {
	if err := (ticket.Payload{Code: t.Code, BookingID: t.BookingID, Start: t.Start}).Validate(); err != nil {
		return nil, err
	}
	if !t.End.After(t.Start) {
		return nil, fmt.Errorf("ticket: end %v is not after start %v", t.End, t.Start)
	}
	// A zero IssuedAt would make fpdf stamp time.Now and break byte-identical
	// output for a redelivered message.
	if t.IssuedAt.IsZero() {
		return nil, errors.New("ticket: IssuedAt is required")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"full name", t.FullName, maxNameRunes},
		{"service name", t.ServiceName, maxNameRunes},
		{"institution name", t.InstitutionName, maxNameRunes},
		{"address", t.Address, maxAddressRunes},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, fmt.Errorf("ticket: %s is required", f.name)
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return nil, fmt.Errorf("ticket: %s is %d characters, limit %d", f.name, n, f.max)
		}
	}
	if t.Timezone == "" {
		return nil, errors.New("ticket: timezone is required")
	}
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		return nil, fmt.Errorf("ticket: timezone: %w", err)
	}
	return loc, nil
}

type fontSet struct{ regular, bold []byte }

// fonts is resolved on the first Render, so package init does no font work.
// The TTFs (about 1.4 MB) are embedded in the binary: no I/O at cold start.
// fpdf has no way to share a parsed font, so it parses them per document
// (most of a render's ~30 ms) and embeds only the glyphs used.
var fonts = sync.OnceValue(func() fontSet {
	return fontSet{regular: dejavusans.TTF, bold: dejavusansbold.TTF}
})

// Page geometry, in millimetres.
const (
	pageW    = 210.0
	pageH    = 297.0
	margin   = 15.0
	contentW = pageW - 2*margin
	labelW   = 34.0
	qrSize   = 55.0 // ~1.1 mm a module for a ~90-byte payload: easy for any phone
	family   = "DejaVuSans"
)

// valueSizes are the font sizes, in points, tried for the visit's details:
// the largest that keeps the page to one sheet wins. Only texts near the
// length limits need the smaller ones.
var valueSizes = []float64{12, 10.5, 9}

// Render builds the one-page A4 PDF for t, with a QR code that s signed.
// The same t and key always give the same bytes, so a redelivered
// confirmation message overwrites the stored PDF with an identical one.
func Render(t Ticket, s ticket.Signer) ([]byte, error) {
	loc, err := t.validate()
	if err != nil {
		return nil, err
	}
	if !s.HasKey() {
		return nil, errors.New("ticket: signer has no key (use NewSigner)")
	}
	qr, err := qrPNG(s.Sign(ticket.Payload{Code: t.Code, BookingID: t.BookingID, Start: t.Start}))
	if err != nil {
		return nil, err
	}
	var bottom float64
	for _, size := range valueSizes {
		var pdf *fpdf.Fpdf
		pdf, bottom = layout(t, loc, qr, size)
		if bottom > pageH-margin {
			continue
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			return nil, fmt.Errorf("ticket: pdf: %w", err)
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("ticket: content runs to %.0f mm, past the page", bottom)
}

// layout draws the page with the details in size-point type and returns it
// with the bottom of its content, in millimetres from the top.
func layout(t Ticket, loc *time.Location, qr []byte, size float64) (*fpdf.Fpdf, float64) {
	f := fonts()
	pdf := fpdf.New("P", "mm", "A4", "")
	// Fixed dates and sorted resource catalogs: fpdf's only sources of
	// run-to-run differences.
	pdf.SetCreationDate(t.IssuedAt.UTC())
	pdf.SetModificationDate(t.IssuedAt.UTC())
	pdf.SetCatalogSort(true)
	pdf.SetTitle("Талон на приём "+t.Code, true)
	pdf.SetLang("ru-RU")
	pdf.SetMargins(margin, margin, margin)
	// One page by construction (Render checks the bottom); an automatic
	// break would silently split a ticket.
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes(family, "", f.regular)
	pdf.AddUTF8FontFromBytes(family, "B", f.bold)
	pdf.AddPage()

	pdf.SetFont(family, "B", 22)
	pdf.CellFormat(0, 12, "Талон на приём", "", 1, "C", false, 0, "")
	pdf.Ln(4)
	rule(pdf)
	pdf.Ln(5)

	lineH := size / 2 // mm; 1.4 times the type size
	// row writes a grey label and, beside it, a value that wraps within
	// the value column; draw writes the value.
	row := func(label string, draw func()) {
		y := pdf.GetY()
		pdf.SetFont(family, "", min(size, 10))
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(margin, y)
		pdf.CellFormat(labelW, lineH, label, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		// Wrapped lines start at the left margin: move it to the column.
		pdf.SetLeftMargin(margin + labelW)
		pdf.SetXY(margin+labelW, y)
		draw()
		pdf.SetLeftMargin(margin)
		pdf.Ln(lineH / 2.5)
	}
	text := func(style, value string) func() {
		return func() {
			pdf.SetFont(family, style, size)
			pdf.MultiCell(contentW-labelW, lineH, value, "", "L", false)
		}
	}
	when, zone := formatSlot(t.Start, t.End, loc)
	row("Гражданин", text("B", t.FullName))
	row("Услуга", text("", t.ServiceName))
	row("Дата и время", func() {
		// Date and time in bold, the zone beside them in regular weight:
		// one flowing line, so it fits 146 mm for every Russian zone.
		pdf.SetFont(family, "B", size)
		pdf.Write(lineH, when)
		pdf.SetFont(family, "", size)
		pdf.Write(lineH, " "+zone)
		pdf.Ln(lineH)
	})
	row("Учреждение", text("", t.InstitutionName))
	row("Адрес", text("", t.Address))
	row("Номер записи", text("", t.BookingID))

	pdf.Ln(2)
	rule(pdf)
	pdf.Ln(6)

	// The code on the left, the QR code on the right.
	top := pdf.GetY()
	leftW := contentW - qrSize - 8
	pdf.SetFont(family, "", 10)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(leftW, 6, "Код записи", "", 2, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont(family, "B", 36)
	pdf.CellFormat(leftW, 18, groupCode(t.Code), "", 2, "L", false, 0, "")
	pdf.Ln(2)
	pdf.SetFont(family, "", 10)
	// The ungrouped code too: it is what a terminal or a search box takes,
	// and what text extraction finds.
	pdf.MultiCell(leftW, 5.5, "Назовите код в регистратуре или введите его в терминале: "+t.Code, "", "L", false)
	leftBottom := pdf.GetY()

	qrX := pageW - margin - qrSize
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("qr", opt, bytes.NewReader(qr))
	pdf.ImageOptions("qr", qrX, top, qrSize, qrSize, false, opt, 0, "")
	pdf.SetXY(qrX, top+qrSize)
	pdf.SetFont(family, "", 9)
	pdf.CellFormat(qrSize, 5, "Покажите QR-код на входе", "", 0, "C", false, 0, "")

	pdf.SetXY(margin, max(leftBottom, top+qrSize+5)+8)
	pdf.SetFillColor(242, 242, 242)
	pdf.SetFont(family, "", 11)
	pdf.MultiCell(0, 6.5,
		"Приходите за 10 минут до начала приёма.\n"+
			"Возьмите с собой оригиналы документов: паспорт и документы, указанные при записи.",
		"1", "L", true)

	pdf.Ln(5)
	pdf.SetFont(family, "", 8)
	pdf.SetTextColor(90, 90, 90)
	issued := t.IssuedAt.In(loc)
	pdf.CellFormat(0, 5, fmt.Sprintf("Талон сформирован %s в %s (%s).",
		domain.RussianDate(issued), issued.Format("15:04"), loc.String()), "", 1, "L", false, 0, "")
	return pdf, pdf.GetY()
}

// rule draws a thin full-width line at the current position.
func rule(pdf *fpdf.Fpdf) {
	pdf.SetDrawColor(180, 180, 180)
	pdf.SetLineWidth(0.3)
	y := pdf.GetY()
	pdf.Line(margin, y, pageW-margin, y)
	pdf.SetDrawColor(0, 0, 0)
}
