package docs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// fixture is one real document, generated in code so that the tests need no
// binary files and show how each bad input is made.
type fixture struct {
	name     string
	declared ContentType
	data     []byte
	want     Reason
}

var fixtures = sync.OnceValue(makeFixtures)

func makeFixtures() []fixture {
	onePage := fpdfOnePage()
	img := pattern(800, 600)
	jpg, pngData := encodeJPEG(img), encodePNG(img)
	garbage := randomBytes(4096)

	return []fixture{
		{"fpdf one page", PDF, onePage, ""},
		{"hand-made one page", PDF, classicPDF(true), ""},
		{"pages only in object stream", PDF, objStmPDF(true), ""},
		{"pdf 2.0", PDF, bytes.Replace(classicPDF(true), []byte("%PDF-1.4"), []byte("%PDF-2.0"), 1), ""},
		{"page marker without spaces", PDF, sameLength(classicPDF(true), "/Type /Page /Parent", "/Type/Page\n\n/Parent"), ""},
		{"page found by /Count only", PDF, sameLength(classicPDF(true), "/Type /Page /Parent", "/Kind /Leaf /Parent"), ""},
		{"jpeg 800x600", JPEG, jpg, ""},
		{"png 800x600", PNG, pngData, ""},
		{"jpeg portrait 600x800", JPEG, encodeJPEG(pattern(600, 800)), ""},
		{"jpeg at the minimum 600x400", JPEG, encodeJPEG(pattern(600, 400)), ""},
		{"png at the minimum 600x400", PNG, encodePNG(pattern(600, 400)), ""},
		{"png portrait at the minimum 400x600", PNG, encodePNG(pattern(400, 600)), ""},

		{"png declared as pdf", PDF, pngData, ReasonWrongFormat},
		{"jpeg declared as png", PNG, jpg, ReasonWrongFormat},
		{"pdf declared as jpeg", JPEG, onePage, ReasonWrongFormat},
		{"random garbage as pdf", PDF, garbage, ReasonWrongFormat},
		{"random garbage as png", PNG, garbage, ReasonWrongFormat},
		{"text as pdf", PDF, []byte("hello, this is not a document\n"), ReasonWrongFormat},
		{"pdf with a declared type not accepted", "image/gif", onePage, ReasonWrongFormat},

		{"pdf header then garbage", PDF, append([]byte("%PDF-1.4\n"), garbage...), ReasonUnreadable},
		{"pdf truncated in half", PDF, onePage[:len(onePage)/2], ReasonUnreadable},
		{"pdf truncated before %%EOF", PDF, onePage[:len(onePage)-7], ReasonUnreadable},
		{"pdf truncated inside the trailer", PDF, onePage[:len(onePage)-40], ReasonUnreadable},
		{"pdf with startxref off target", PDF, shiftStartxref(onePage, 3), ReasonUnreadable},
		{"pdf with zero pages", PDF, classicPDF(false), ReasonUnreadable},
		{"pdf with zero pages in object stream", PDF, objStmPDF(false), ReasonUnreadable},
		{"pdf header only", PDF, []byte("%PDF-1.7\n%%EOF\n"), ReasonUnreadable},
		{"pdf with a bad version", PDF, bytes.Replace(onePage, []byte("%PDF-1.3"), []byte("%PDF-9.3"), 1), ReasonUnreadable},
		{"jpeg truncated", JPEG, jpg[:len(jpg)*2/3], ReasonUnreadable},
		{"png truncated", PNG, pngData[:len(pngData)*2/3], ReasonUnreadable},
		{"png without IEND", PNG, pngData[:len(pngData)-12], ReasonUnreadable},
		{"jpeg magic only", JPEG, []byte{0xFF, 0xD8, 0xFF}, ReasonUnreadable},
		{"jpeg 300x200", JPEG, encodeJPEG(pattern(300, 200)), ReasonUnreadable},
		{"png 300x200", PNG, encodePNG(pattern(300, 200)), ReasonUnreadable},
		{"png 599x400", PNG, encodePNG(pattern(599, 400)), ReasonUnreadable},
		{"png 600x399", PNG, encodePNG(pattern(600, 399)), ReasonUnreadable},
		{"png header claiming 100 megapixels", PNG, pngHeader(10000, 10000), ReasonUnreadable},
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			// The reason must not depend on whether storage knew the size.
			for _, size := range []int64{int64(len(fx.data)), -1} {
				got, detail := Check(fx.declared, size, bytes.NewReader(fx.data))
				if got != fx.want {
					t.Fatalf("Check(size %d) = %q (%s), want %q", size, got, detail, fx.want)
				}
				if (got == "") != (detail == "") {
					t.Errorf("Check(size %d) detail = %q for reason %q", size, detail, got)
				}
			}
		})
	}
}

func TestCheckSize(t *testing.T) {
	t.Parallel()
	oversized := append([]byte("%PDF-1.4\n"), make([]byte, MaxSize+1-9)...)
	atLimit := oversized[:MaxSize]

	tests := []struct {
		name string
		size int64
		r    io.Reader
		want Reason
	}{
		{"storage reports 0 bytes", 0, failReader{}, ReasonEmpty},
		{"empty body, size unknown", -1, strings.NewReader(""), ReasonEmpty},
		{"empty body, size wrong", 100, strings.NewReader(""), ReasonEmpty},
		{"storage reports too many bytes", MaxSize + 1, failReader{}, ReasonTooLarge},
		{"MaxSize+1 bytes, size unknown", -1, bytes.NewReader(oversized), ReasonTooLarge},
		{"MaxSize+1 bytes, size understated", 100, bytes.NewReader(oversized), ReasonTooLarge},
		{"MaxSize+1 bytes, size exact", MaxSize + 1, bytes.NewReader(oversized), ReasonTooLarge},
		{"exactly MaxSize bytes is read and checked", MaxSize, bytes.NewReader(atLimit), ReasonUnreadable},
		{"endless body", -1, endless{}, ReasonTooLarge},
		{"read error", -1, io.MultiReader(strings.NewReader("%PDF-1.4\n"), failReader{}), ReasonUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, detail := Check(PDF, tt.size, tt.r); got != tt.want {
				t.Errorf("Check = %q (%s), want %q", got, detail, tt.want)
			}
		})
	}
}

// TestPageIn pins the page markers that count, on dictionary snippets.
func TestPageIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"<< /Type /Page /Parent 2 0 R >>", true},
		{"<</Type/Page/Parent 2 0 R>>", true},
		{"<< /Type\r\n/Page >>", true},
		{"/Type /Page", true},
		{"<< /Type /Pages /Kids [3 0 R] /Count 3 >>", true},
		{"<< /Count 2 /Resources << /Font << >> >> /Type /Pages >>", true},
		{"<< /Type /Pages /Resources << /F << >> >> /Count 2 >>", true},
		{"<< /Type /Pages /Kids [] /Count 0 >>", false},
		{"<< /Type /Pages /Count 0 >> << /Type /Outlines /Count 5 >>", false},
		{"<< /Type /Pages /Counter 5 >>", false},
		{"<< /Type /Pages /Count 1", false},
		{"/Type /Pages /Count 1 >>", false},
		{"<< /Type /PageLabel >>", false},
		{"<< /Types /Page >>", false},
		{"<< /Subtype /Type0 >>", false},
		{"<< /Type (Page) >>", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := pageIn([]byte(tt.in)); got != tt.want {
				t.Errorf("pageIn(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseContentType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ContentType
		ok   bool
	}{
		{"application/pdf", PDF, true},
		{"Application/PDF", PDF, true},
		{"application/pdf; charset=binary", PDF, true},
		{" image/jpeg ", JPEG, true},
		{"IMAGE/PNG;foo=bar", PNG, true},
		{"image/jpg", "", false},
		{"image/gif", "", false},
		{"application/pdf2", "", false},
		{"", "", false},
		{";", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseContentType(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseContentType(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// fuzzTypes maps the fuzzed selector to a declared type; the last one is not
// accepted.
var fuzzTypes = []ContentType{PDF, JPEG, PNG, "text/plain"}

func FuzzCheck(f *testing.F) {
	for _, fx := range fixtures() {
		// Big seeds make every new input slow to minimize; the small ones
		// and testdata/fuzz/FuzzCheck cover every branch.
		if len(fx.data) > 4096 {
			continue
		}
		for i, ct := range fuzzTypes {
			if ct == fx.declared {
				f.Add(uint8(i), fx.data)
			}
		}
	}
	known := map[Reason]bool{"": true, ReasonEmpty: true, ReasonTooLarge: true, ReasonWrongFormat: true, ReasonUnreadable: true}
	signature := map[ContentType]string{PDF: "%PDF-", JPEG: "\xFF\xD8\xFF", PNG: "\x89PNG\r\n\x1A\n"}

	f.Fuzz(func(t *testing.T, typ uint8, data []byte) {
		declared := fuzzTypes[int(typ)%len(fuzzTypes)]
		got, detail := Check(declared, int64(len(data)), bytes.NewReader(data))
		if !known[got] {
			t.Fatalf("Check = unknown reason %q (%s)", got, detail)
		}
		if got == "" && !bytes.HasPrefix(data, []byte(signature[declared])) {
			t.Fatalf("accepted %q whose signature does not match", declared)
		}
		if unknown, _ := Check(declared, -1, bytes.NewReader(data)); unknown != got {
			t.Fatalf("Check with size unknown = %q, with size known = %q", unknown, got)
		}
	})
}

// fpdfOnePage renders a one-page PDF the way a real writer does, with a
// fixed date so the bytes are stable.
func fpdfOnePage() []byte {
	p := fpdf.New("P", "mm", "A4", "")
	date := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p.SetCreationDate(date)
	p.SetModificationDate(date)
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(40, 10, "Referral letter for a cardiology appointment")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// classicPDF writes a minimal PDF with a classic xref table, with one blank
// page or with an empty page tree.
func classicPDF(withPage bool) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
	}
	if !withPage {
		objs = []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
		}
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// objStmPDF writes a PDF 1.5 whose catalog, page tree and page live only in
// a Flate-compressed object stream, indexed by an xref stream, as many
// writers do. Without the page, the tree is empty.
func objStmPDF(withPage bool) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
	}
	if !withPage {
		objs = objs[:2]
		objs[1] = "<< /Type /Pages /Kids [] /Count 0 >>"
	}
	var index, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&index, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
	}
	var packed bytes.Buffer
	zw := zlib.NewWriter(&packed)
	zw.Write(index.Bytes())
	zw.Write(body.Bytes())
	zw.Close()

	stm := len(objs) + 1 // the object stream, then the xref stream
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xE2\xE3\xCF\xD3\n")
	stmOff := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n",
		stm, len(objs), index.Len(), packed.Len())
	b.Write(packed.Bytes())
	b.WriteString("\nendstream\nendobj\n")

	// Entries of /W [1 4 2]: type, offset or stream number, generation or index.
	var xref bytes.Buffer
	entry := func(typ byte, a uint32, c uint16) {
		xref.WriteByte(typ)
		binary.Write(&xref, binary.BigEndian, a)
		binary.Write(&xref, binary.BigEndian, c)
	}
	xrefOff := b.Len()
	entry(0, 0, 65535)
	for i := range objs {
		entry(2, uint32(stm), uint16(i))
	}
	entry(1, uint32(stmOff), 0)
	entry(1, uint32(xrefOff), 0)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n",
		stm+1, stm+2, xref.Len())
	b.Write(xref.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefOff)
	return b.Bytes()
}

// sameLength replaces old with new, which must be as long, so that the
// offsets in the xref table stay right.
func sameLength(pdf []byte, old, new string) []byte {
	if len(old) != len(new) || !bytes.Contains(pdf, []byte(old)) {
		panic("sameLength: " + old)
	}
	return bytes.Replace(pdf, []byte(old), []byte(new), 1)
}

// shiftStartxref moves the startxref offset by delta bytes, so that it no
// longer points at the xref table.
func shiftStartxref(pdf []byte, delta int) []byte {
	i := bytes.LastIndex(pdf, []byte("startxref\n")) + len("startxref\n")
	n := bytes.IndexByte(pdf[i:], '\n')
	var off int
	fmt.Sscan(string(pdf[i:i+n]), &off)
	out := append([]byte{}, pdf[:i]...)
	out = fmt.Appendf(out, "%d", off+delta)
	return append(out, pdf[i+n:]...)
}

// pattern draws a gray checkerboard of 32-pixel squares: not a flat color,
// so decoders do real work, yet small once encoded, which keeps the fuzzer's
// seeds small and fast to minimize.
func pattern(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: uint8((x/32+y/32)%2) * 200})
		}
	}
	return img
}

func encodeJPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 50}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and a valid IHDR claiming w×h pixels, with no
// image data: a decompression bomb must be refused from its header alone.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grayscale, no interlace
	b := []byte("\x89PNG\r\n\x1A\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)-4))
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// failReader fails every read, proving that Check did not read.
type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// endless is a body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '%'
	}
	return len(p), nil
}
