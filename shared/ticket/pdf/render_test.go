package ticketpdf

import (
	"github.com/zapis/zapis/shared/ticket"

	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func sampleTicket() Ticket {
	return Ticket{
		Code:            "ABCD2345",
		BookingID:       "bk-mfrggzdfmztwq2lk",
		FullName:        "Иванов Иван Иванович",
		ServiceName:     "Замена водительского удостоверения",
		InstitutionName: "МФЦ «Мои документы», Петропавловск-Камчатский",
		Address:         "г. Петропавловск-Камчатский, ул. Пограничная, д. 17",
		Timezone:        "Asia/Kamchatka",
		Start:           testStart, // 2026-11-22 21:30 UTC
		End:             testStart.Add(15 * time.Minute),
		IssuedAt:        testStart.Add(-50 * time.Hour),
	}
}

// poppler returns the path of a poppler-utils tool. Outside CI a missing
// tool skips the test; in CI (CI=true) it fails, because there the check
// that the printed ticket reads and scans must really run.
func poppler(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not on PATH, and CI=true requires this test to run: install poppler-utils (apt-get install -y poppler-utils)", tool)
	}
	t.Skipf("%s is not on PATH: skipping the PDF check outside CI (apt-get install -y poppler-utils to run it)", tool)
	return ""
}

// pdfText extracts the PDF's text with pdftotext -layout and returns it with
// all whitespace, line breaks included, collapsed to single spaces (so a
// wrapped value still matches), and the number of pages.
func pdfText(t *testing.T, pdf []byte) (string, int) {
	t.Helper()
	cmd := exec.Command(poppler(t, "pdftotext"), "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	pages := strings.Count(string(out), "\f") // pdftotext ends each page with a form feed
	return strings.Join(strings.Fields(string(out)), " "), pages
}

func render(t *testing.T, tk Ticket) []byte {
	t.Helper()
	pdf, err := Render(tk, testSigner(t))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return pdf
}

func TestRenderText(t *testing.T) {
	t.Parallel()
	// One instant, three zones: the local date differs as well as the time.
	tests := []struct {
		zone string
		want string
	}{
		{"Europe/Kaliningrad", "22 ноября 2026 г., 23:30–23:45 (Europe/Kaliningrad, UTC+2)"},
		{"Europe/Moscow", "23 ноября 2026 г., 00:30–00:45 (Europe/Moscow, UTC+3)"},
		{"Asia/Kamchatka", "23 ноября 2026 г., 09:30–09:45 (Asia/Kamchatka, UTC+12)"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			tk := sampleTicket()
			tk.Timezone = tt.zone
			text, pages := pdfText(t, render(t, tk))
			if pages != 1 {
				t.Errorf("got %d pages, want 1", pages)
			}
			for _, want := range []string{
				"Талон на приём",
				tk.FullName,
				tk.ServiceName,
				tk.InstitutionName,
				tk.Address,
				tk.BookingID,
				"ABCD-2345",
				tk.Code, // ungrouped too, as typed or searched
				tt.want,
				"за 10 минут",
				"оригиналы документов",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q; text:\n%s", want, text)
				}
			}
		})
	}
}

func TestRenderDeterministicAndSmall(t *testing.T) {
	t.Parallel()
	tk := sampleTicket()
	a, b := render(t, tk), render(t, tk)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same ticket differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("output starts %q, want a PDF", a[:min(len(a), 16)])
	}
	// fpdf embeds only the glyphs used; the full DejaVu TTFs are ~1.4 MB.
	const limit = 100 << 10
	if len(a) > limit {
		t.Errorf("PDF is %d bytes, want under %d", len(a), limit)
	}
	t.Logf("PDF size: %d bytes", len(a))

	tk.IssuedAt = tk.IssuedAt.Add(time.Minute)
	if bytes.Equal(a, render(t, tk)) {
		t.Error("a different IssuedAt gave identical bytes")
	}
}

// TestRenderLongestFields fills every text field to its limit: the layout
// must still fit one page with nothing cut off.
func TestRenderLongestFields(t *testing.T) {
	t.Parallel()
	long := func(word string, n int) string {
		s := strings.Repeat(word+" ", n)
		return strings.TrimSpace(string([]rune(s)[:n]))
	}
	tk := sampleTicket()
	tk.FullName = long("Константинопольский-Оглы", maxNameRunes)
	tk.ServiceName = long("Государственная регистрация", maxNameRunes)
	tk.InstitutionName = long("Многофункциональный центр", maxNameRunes)
	tk.Address = long("Петропавловск-Камчатский", maxAddressRunes)
	text, pages := pdfText(t, render(t, tk))
	if pages != 1 {
		t.Errorf("got %d pages, want 1", pages)
	}
	for _, want := range []string{"ABCD2345", "оригиналы документов", "Талон сформирован"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q; text:\n%s", want, text)
		}
	}
}

func TestRenderRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Ticket)
	}{
		{"no code", func(tk *Ticket) { tk.Code = "" }},
		{"dot in code", func(tk *Ticket) { tk.Code = "AB.CD" }},
		{"no booking id", func(tk *Ticket) { tk.BookingID = "" }},
		{"no full name", func(tk *Ticket) { tk.FullName = "  " }},
		{"no service", func(tk *Ticket) { tk.ServiceName = "" }},
		{"no institution", func(tk *Ticket) { tk.InstitutionName = "" }},
		{"no address", func(tk *Ticket) { tk.Address = "" }},
		{"address too long", func(tk *Ticket) { tk.Address = strings.Repeat("ж", maxAddressRunes+1) }},
		{"no zone", func(tk *Ticket) { tk.Timezone = "" }},
		{"unknown zone", func(tk *Ticket) { tk.Timezone = "Europe/Atlantis" }},
		{"no start", func(tk *Ticket) { tk.Start = time.Time{} }},
		{"end before start", func(tk *Ticket) { tk.End = tk.Start.Add(-time.Minute) }},
		{"no issue time", func(tk *Ticket) { tk.IssuedAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tk := sampleTicket()
			tt.change(&tk)
			if _, err := Render(tk, testSigner(t)); err == nil {
				t.Error("Render: want error")
			}
		})
	}
	if _, err := Render(sampleTicket(), ticket.Signer{}); err == nil {
		t.Error("Render with the zero Signer: want error")
	}
}

// decodeQR finds and decodes the one QR code in img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("bitmap: %v", err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

func TestQRImageDecodes(t *testing.T) {
	t.Parallel()
	s := testSigner(t)
	want := ticket.Payload{Code: "ABCD2345", BookingID: "bk-mfrggzdfmztwq2lk", Start: testStart}
	img, err := QRImage(s.Sign(want))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(decodeQR(t, img))
	if err != nil {
		t.Fatalf("Verify(decoded QR): %v", err)
	}
	if got != want {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

// TestRenderQRScans prints the page as a 150 dpi scan would see it and reads
// the QR code back from that image: the code in the PDF is scannable, not
// just the one QRImage returns.
func TestRenderQRScans(t *testing.T) {
	t.Parallel()
	tk := sampleTicket()
	cmd := exec.Command(poppler(t, "pdftoppm"), "-r", "150", "-png", "-singlefile", "-") // no output prefix: PNG to stdout
	cmd.Stdin = bytes.NewReader(render(t, tk))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, stderr.String())
	}
	page, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("page png: %v", err)
	}
	got, err := testSigner(t).Verify(decodeQR(t, page))
	if err != nil {
		t.Fatalf("Verify(QR from page): %v", err)
	}
	want := ticket.Payload{Code: tk.Code, BookingID: tk.BookingID, Start: tk.Start}
	if got != want {
		t.Errorf("QR on page carries %+v, want %+v", got, want)
	}
}

var testStart = time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)

func testSigner(t testing.TB) ticket.Signer {
	t.Helper()
	s, err := ticket.NewSigner([]byte("test-key-for-zapis-tickets-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
