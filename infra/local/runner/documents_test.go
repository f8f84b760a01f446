package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/go-pdf/fpdf"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
)

// ---------------------------------------------------------------- fixtures

// docService creates a service asking for the given mandatory document
// types (none: confirmed at once) and an institution offering it.
func docDesk(t *testing.T, s stack, zone string, types ...string) desk {
	t.Helper()
	d := newDesk(t, s, zone, 1)
	body := fixtureService("Услуга с документами "+uniq("svc"), 24)
	docs := []map[string]any{}
	for _, ty := range types {
		docs = append(docs, map[string]any{"type": ty, "name": "Документ " + ty, "mandatory": true})
	}
	body["requiredDocuments"] = docs
	r := call(t, s, http.MethodPost, "/services", d.admin, body)
	r.ok(t, http.StatusCreated)
	var svc domain.Service
	r.decode(t, &svc)
	inst := map[string]any{
		"name": "Учреждение " + uniq("inst"), "kind": "mfc", "region": "Тестовый регион", "locality": "Тестовск",
		"address": "ул. Проверочная, д. 7", "phone": "+7 (495) 555-01-99", "email": "desk@mfc.example.ru", "timezone": zone,
		"workHours": map[string]any{"mon": []map[string]string{{"from": "08:00", "to": "20:00"}}}, "serviceIds": []string{svc.ID},
	}
	r = call(t, s, http.MethodPost, "/institutions", d.admin, inst)
	r.ok(t, http.StatusCreated)
	r.decode(t, &d.inst)
	d.svcs = []domain.Service{svc}
	d.op = token(t, s, uniq("op"), d.inst.ID, "operator")
	return d
}

// todayZone returns a Russian zone where it is now before 20:00, so a slot
// two hours ahead is still today there (check-in is for today's visits).
func todayZone(now time.Time) string {
	for _, z := range []string{"Europe/Kaliningrad", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok", "Asia/Kamchatka"} {
		loc, _ := time.LoadLocation(z)
		if now.In(loc).Hour() < 20 {
			return z
		}
	}
	return "Europe/Moscow"
}

// samplePDF is a real one-page PDF.
func samplePDF(t *testing.T) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 14)
	pdf.Cell(40, 10, "Passport scan, page 2-3")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// scan is a legible-size image, as a phone camera makes.
func scan(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

func sampleJPEG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scan(800, 600), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func samplePNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, scan(800, 600)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type uploadAnswer struct {
	DocumentID    string            `json:"documentId"`
	UploadURL     string            `json:"uploadUrl"`
	UploadMethod  string            `json:"uploadMethod"`
	UploadHeaders map[string]string `json:"uploadHeaders"`
	ExpiresAt     time.Time         `json:"expiresAt"`
}

// startUpload asks for an upload URL.
func startUpload(t *testing.T, s stack, c citizen, bookingID, docType, contentType string, size int) uploadAnswer {
	t.Helper()
	r := call(t, s, http.MethodPost, "/bookings/"+bookingID+"/documents", c.tok, map[string]any{
		"type": docType, "fileName": docType + ".bin", "contentType": contentType, "size": size,
	})
	r.ok(t, http.StatusCreated)
	var up uploadAnswer
	r.decode(t, &up)
	if up.DocumentID == "" || up.UploadMethod != http.MethodPut || up.UploadHeaders["Content-Type"] != contentType {
		t.Fatalf("upload answer %s", r.body)
	}
	if d := time.Until(up.ExpiresAt); d <= 0 || d > 16*time.Minute {
		t.Fatalf("upload URL expires at %s", up.ExpiresAt)
	}
	return up
}

// putPresigned uploads data the way a client does: the URL, its method and
// its headers, nothing else.
func putPresigned(t *testing.T, up uploadAnswer, data []byte) {
	t.Helper()
	req, err := http.NewRequest(up.UploadMethod, up.UploadURL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range up.UploadHeaders {
		req.Header.Set(k, v)
	}
	req.ContentLength = int64(len(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %s %s", resp.Status, body)
	}
}

// putAnyway writes the object behind the presigned URL with the SDK, as a
// client ignoring the signed length would manage against a lax store.
func putAnyway(t *testing.T, s stack, up uploadAnswer, data []byte) {
	t.Helper()
	u, err := url.Parse(up.UploadURL)
	if err != nil {
		t.Fatal(err)
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if _, err := s.rn.App().Objects.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	}); err != nil {
		t.Fatal(err)
	}
}

func submitDoc(t *testing.T, s stack, c citizen, bookingID, docID string) {
	t.Helper()
	call(t, s, http.MethodPost, "/bookings/"+bookingID+"/documents/"+docID+"/submit", c.tok, nil).ok(t, http.StatusAccepted)
}

// eventually polls f until it holds, for what the workers do in the
// background: a few seconds on the embedded stack, longer on serialised moto.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, s stack, id string, st domain.BookingStatus) domain.Booking {
	t.Helper()
	var b domain.Booking
	eventually(t, "booking "+id+" to be "+string(st), func() bool {
		var err error
		b, err = s.rn.App().Store.GetBooking(context.Background(), id)
		return err == nil && b.Status == st
	})
	return b
}

// acceptAllDocuments marks every mandatory document of a booking accepted
// through the store's own transactions, then queues the confirmation: for
// tests about what follows the checks.
func acceptAllDocuments(t *testing.T, s stack, id string) {
	t.Helper()
	ctx := context.Background()
	st := s.rn.App().Store
	b, err := st.GetBooking(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range b.RequiredDocuments {
		if !e.Mandatory {
			continue
		}
		d := domain.Document{ID: store.NewDocumentID(), BookingID: id, Type: e.Type, FileName: "x.pdf", ContentType: "application/pdf",
			Size: 1, ObjectKey: "documents/" + id + "/test", Status: domain.DocIssued, CreatedAt: time.Now().UTC()}
		if err := st.PutDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, next := range []domain.DocumentStatus{domain.DocUploaded, domain.DocAccepted} {
			b, err = st.GetBooking(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			from := d.Status
			d.Status = next
			if err := st.UpdateDocument(ctx, b, d, from, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.rn.App().Confirmations.RequestConfirmation(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func historyCount(b domain.Booking, action string) int {
	n := 0
	for _, h := range b.History {
		if h.Action == action {
			n++
		}
	}
	return n
}

// needPoppler skips without poppler-utils, except in CI, where .ci/run
// installs it and its absence is a failure.
func needPoppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: .ci/run installs poppler-utils", tool)
			}
			t.Skipf("%s not found: apt-get install poppler-utils", tool)
		}
	}
}

// readTicket extracts the PDF's text and decodes its QR code from the page
// rasterised at 150 dpi, as a phone camera would see the printout.
func readTicket(t *testing.T, pdf []byte) (text, qr string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "ticket.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", path, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("QR does not decode from the printed page: %v", err)
	}
	return string(out), res.GetText()
}

// ---------------------------------------------------------------- tests

// TestDocumentsToCheckin is the whole citizen journey through the local
// API: book, upload a real PDF and a JPEG through the presigned URLs,
// submit, get confirmed by the workers, download the ticket, read it with
// pdftotext, decode its QR and check in with it.
func TestDocumentsToCheckin(t *testing.T) {
	needPoppler(t)
	eachStack(t, func(t *testing.T, s stack) {
		now := time.Now()
		d := docDesk(t, s, todayZone(now), "passport", "photo")
		start := now.Add(2 * time.Hour).Truncate(time.Minute)
		sl := freshSlot(t, s, d, 0, 2, start)
		c := newCitizen(t, s)
		b := mustBook(t, s, c, sl.ID)
		if b.Status != domain.StatusPending || len(b.RequiredDocuments) != 2 {
			t.Fatalf("new booking %+v", b)
		}

		pdf, jpg := samplePDF(t), sampleJPEG(t)
		upPDF := startUpload(t, s, c, b.ID, "passport", "application/pdf", len(pdf))
		putPresigned(t, upPDF, pdf)
		upJPG := startUpload(t, s, c, b.ID, "photo", "image/jpeg", len(jpg))
		putPresigned(t, upJPG, jpg)
		submitDoc(t, s, c, b.ID, upPDF.DocumentID)
		submitDoc(t, s, c, b.ID, upJPG.DocumentID)

		// Before the workers finish the ticket is not there.
		if r := call(t, s, http.MethodGet, "/bookings/"+b.ID+"/confirmation", c.tok, nil); r.status != http.StatusOK {
			r.problem(t, http.StatusConflict, "not_confirmed")
		}
		confirmed := waitStatus(t, s, b.ID, domain.StatusConfirmed)
		for _, e := range confirmed.RequiredDocuments {
			if e.Status != domain.DocAccepted {
				t.Fatalf("confirmed with %s %s", e.Type, e.Status)
			}
		}
		if historyCount(confirmed, domain.ActionConfirmed) != 1 || historyCount(confirmed, domain.ActionDocumentAccepted) != 2 {
			t.Fatalf("history %+v", confirmed.History)
		}

		r := call(t, s, http.MethodGet, "/bookings/"+b.ID+"/confirmation", c.tok, nil)
		r.ok(t, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
			t.Fatalf("confirmation: %s, %q…", ct, r.body[:min(len(r.body), 16)])
		}
		text, qr := readTicket(t, r.body)
		for _, want := range []string{c.name, d.svcs[0].Name, b.Code, d.inst.Address} {
			if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
				t.Errorf("ticket text lacks %q:\n%s", want, text)
			}
		}

		// The 302 form points at a short-lived URL that serves the same PDF.
		req, _ := http.NewRequest(http.MethodGet, s.rn.URL()+"/bookings/"+b.ID+"/confirmation?redirect=1", nil)
		req.Header.Set("Authorization", "Bearer "+c.tok)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), s.rn.Endpoint()) {
			t.Fatalf("redirect: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		viaURL, err := http.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		fromURL, _ := io.ReadAll(viaURL.Body)
		viaURL.Body.Close()
		if !bytes.Equal(fromURL, r.body) {
			t.Fatalf("presigned URL served %d bytes, the API %d", len(fromURL), len(r.body))
		}

		// Another citizen and another institution's operator see nothing.
		other := newCitizen(t, s)
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/confirmation", other.tok, nil).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/confirmation", "", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		stranger := newDesk(t, s, "Europe/Moscow", 1)
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", stranger.op, map[string]string{"qr": qr}).problem(t, http.StatusForbidden, "forbidden")
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", c.tok, map[string]string{"qr": qr}).problem(t, http.StatusForbidden, "forbidden")
		call(t, s, http.MethodPost, "/institutions/"+stranger.inst.ID+"/checkin", stranger.op, map[string]string{"qr": qr}).problem(t, http.StatusNotFound, "not_found")

		// A tampered payload is refused; the real one checks the visitor in.
		tampered := []byte(qr)
		i := strings.Index(qr, b.Code)
		tampered[i] = map[bool]byte{true: 'Z', false: 'Y'}[tampered[i] != 'Z']
		p := call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"qr": string(tampered)}).problem(t, http.StatusBadRequest, "validation_failed")
		if f := fieldsOf(p); len(f) != 1 || f[0] != "qr" {
			t.Fatalf("tampered QR fields %v", f)
		}
		for range 2 { // scanned twice at the counter: the same answer
			r := call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"qr": qr})
			r.ok(t, http.StatusOK)
			var got domain.Booking
			r.decode(t, &got)
			if got.Attendance != domain.AttendanceArrived || got.ID != b.ID {
				t.Fatalf("check-in answer %s", r.body)
			}
		}
		after := getBooking(t, s, c.tok, b.ID)
		if historyCount(after, domain.ActionCheckedIn) != 1 {
			t.Fatalf("checked in %d times", historyCount(after, domain.ActionCheckedIn))
		}
		// By code too, typed with a hyphen and in lower case.
		typed := strings.ToLower(b.Code[:4] + "-" + b.Code[4:])
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"code": typed}).ok(t, http.StatusOK)
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"code": "0000-0000"}).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{}).problem(t, http.StatusBadRequest, "validation_failed")
	})
}

// TestCheckinRules: only confirmed bookings, only on the day of the visit.
func TestCheckinRules(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Europe/Moscow", "passport")
		c := newCitizen(t, s)
		pending := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"code": pending.Code}).problem(t, http.StatusConflict, "not_confirmed")
		acceptAllDocuments(t, s, pending.ID)
		waitStatus(t, s, pending.ID, domain.StatusConfirmed)
		// Confirmed, but the visit is days away.
		call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/checkin", d.op, map[string]string{"code": pending.Code}).problem(t, http.StatusConflict, "invalid_state")
	})
}

// TestDocumentRejections uploads what a careless or hostile client might:
// each document is rejected with its reason, the booking stays pending,
// and no message is left in the queues or sent to the DLQs.
func TestDocumentRejections(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		types := []string{"png_as_pdf", "empty", "oversized", "garbage_pdf", "never_uploaded", "tiny_image"}
		d := docDesk(t, s, "Europe/Moscow", types...)
		c := newCitizen(t, s)
		b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)

		pngData := samplePNG(t)
		up := startUpload(t, s, c, b.ID, "png_as_pdf", "application/pdf", len(pngData))
		putPresigned(t, up, pngData)
		submitDoc(t, s, c, b.ID, up.DocumentID)

		up = startUpload(t, s, c, b.ID, "empty", "application/pdf", 1000)
		putAnyway(t, s, up, nil)
		submitDoc(t, s, c, b.ID, up.DocumentID)

		big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'x'}, domain.MaxDocumentSize+1-9)...)
		up = startUpload(t, s, c, b.ID, "oversized", "application/pdf", domain.MaxDocumentSize)
		putAnyway(t, s, up, big)
		submitDoc(t, s, c, b.ID, up.DocumentID)

		garbage := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 2000)...)
		up = startUpload(t, s, c, b.ID, "garbage_pdf", "application/pdf", len(garbage))
		putPresigned(t, up, garbage)
		submitDoc(t, s, c, b.ID, up.DocumentID)

		up = startUpload(t, s, c, b.ID, "never_uploaded", "image/jpeg", 50000)
		submitDoc(t, s, c, b.ID, up.DocumentID)

		var tiny bytes.Buffer
		_ = jpeg.Encode(&tiny, scan(300, 200), nil)
		up = startUpload(t, s, c, b.ID, "tiny_image", "image/jpeg", tiny.Len())
		putPresigned(t, up, tiny.Bytes())
		submitDoc(t, s, c, b.ID, up.DocumentID)

		want := map[string]string{
			"png_as_pdf": domain.ReasonWrongFormat, "empty": domain.ReasonEmpty, "oversized": domain.ReasonTooLarge,
			"garbage_pdf": domain.ReasonUnreadable, "never_uploaded": domain.ReasonNotUploaded, "tiny_image": domain.ReasonUnreadable,
		}
		var got domain.Booking
		eventually(t, "every document to be checked", func() bool {
			got = getBooking(t, s, c.tok, b.ID)
			for _, e := range got.RequiredDocuments {
				if e.Status != domain.DocRejected {
					return false
				}
			}
			return true
		})
		for _, e := range got.RequiredDocuments {
			if e.Reason != want[e.Type] {
				t.Errorf("%s: reason %q, want %q", e.Type, e.Reason, want[e.Type])
			}
		}
		if got.Status != domain.StatusPending || historyCount(got, domain.ActionDocumentRejected) != len(types) {
			t.Fatalf("status %s, %d rejections in history", got.Status, historyCount(got, domain.ActionDocumentRejected))
		}
		// A rejected document cannot be submitted again; a new upload can.
		call(t, s, http.MethodPost, "/bookings/"+b.ID+"/documents/"+got.RequiredDocuments[0].DocumentID+"/submit", c.tok, nil).problem(t, http.StatusConflict, "invalid_state")
		assertQueuesDrained(t, s)
	})
}

// assertQueuesDrained checks that no pipeline message waits or died: each
// was processed once and deleted, none retried into the DLQ.
func assertQueuesDrained(t *testing.T, s stack) {
	t.Helper()
	sqsc := s.rn.sqs
	for _, q := range []string{"DocumentCheckDLQ", "ConfirmationDLQ"} {
		out, err := sqsc.GetQueueAttributes(context.Background(), &sqsGetAttrs{QueueUrl: aws.String(s.rn.Resources().QueueURLs[q]), AttributeNames: allAttrs})
		if err != nil {
			t.Fatal(err)
		}
		if n := out.Attributes["ApproximateNumberOfMessages"]; n != "0" {
			t.Errorf("%s holds %s messages", q, n)
		}
	}
}

// TestUploadValidation covers the documented 400s of the upload request.
func TestUploadValidation(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Europe/Moscow", "passport")
		c := newCitizen(t, s)
		b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
		path := "/bookings/" + b.ID + "/documents"
		cases := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"gif", map[string]any{"type": "passport", "fileName": "a.gif", "contentType": "image/gif", "size": 10}, 400, "unsupported_document_type"},
			{"type not asked for", map[string]any{"type": "diploma", "fileName": "a.pdf", "contentType": "application/pdf", "size": 10}, 400, "unsupported_document_type"},
			{"5 MiB + 1", map[string]any{"type": "passport", "fileName": "a.pdf", "contentType": "application/pdf", "size": domain.MaxDocumentSize + 1}, 400, "document_too_large"},
			{"zero size", map[string]any{"type": "passport", "fileName": "a.pdf", "contentType": "application/pdf", "size": 0}, 400, "validation_failed"},
			{"size as text", `{"type":"passport","fileName":"a.pdf","contentType":"application/pdf","size":"10"}`, 400, "validation_failed"},
			{"unknown field", map[string]any{"type": "passport", "fileName": "a.pdf", "contentType": "application/pdf", "size": 10, "acl": "public-read"}, 400, "validation_failed"},
		}
		for _, tc := range cases {
			call(t, s, http.MethodPost, path, c.tok, tc.body).problem(t, tc.status, tc.code)
		}
		ok := map[string]any{"type": "passport", "fileName": "a.pdf", "contentType": "application/pdf", "size": 10}
		other := newCitizen(t, s)
		call(t, s, http.MethodPost, path, other.tok, ok).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodPost, path, "", ok).problem(t, http.StatusUnauthorized, "unauthorized")
		call(t, s, http.MethodPost, path, d.op, ok).problem(t, http.StatusForbidden, "forbidden")
		up := startUpload(t, s, c, b.ID, "passport", "application/pdf", 10)
		call(t, s, http.MethodPost, path+"/"+up.DocumentID+"/submit", other.tok, nil).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodPost, path+"/doc-unknown/submit", c.tok, nil).problem(t, http.StatusNotFound, "not_found")
		// Nothing was written for the refused requests: one document only.
		if got := getBookingAll(t, s, b.ID); len(got.Documents) != 1 {
			t.Fatalf("%d documents after one good upload", len(got.Documents))
		}
	})
}

func getBookingAll(t *testing.T, s stack, id string) domain.Booking {
	t.Helper()
	b, err := s.rn.App().Store.GetBooking(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDuplicateDelivery delivers the same messages more than once, at the
// same time and one after the other: one confirmation, one history entry.
func TestDuplicateDelivery(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Europe/Moscow", "passport")
		c := newCitizen(t, s)
		b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
		pdf := samplePDF(t)
		up := startUpload(t, s, c, b.ID, "passport", "application/pdf", len(pdf))
		putPresigned(t, up, pdf)
		submitDoc(t, s, c, b.ID, up.DocumentID)
		submitDoc(t, s, c, b.ID, up.DocumentID) // the client retried: queued twice

		w := s.rn.Worker()
		check := sqsEvent(fmt.Sprintf(`{"bookingId":%q,"documentId":%q}`, b.ID, up.DocumentID), 3)
		confirm := sqsEvent(fmt.Sprintf(`{"bookingId":%q}`, b.ID), 3)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if r, err := w.CheckDocuments(context.Background(), check); err != nil || len(r.BatchItemFailures) > 0 {
					t.Errorf("check: %v %v", err, r.BatchItemFailures)
				}
			})
			wg.Go(func() {
				if r, err := w.Confirm(context.Background(), confirm); err != nil || len(r.BatchItemFailures) > 0 {
					t.Errorf("confirm: %v %v", err, r.BatchItemFailures)
				}
			})
		}
		wg.Wait()
		// And once more through the queue itself.
		if err := s.rn.App().Confirmations.RequestConfirmation(context.Background(), b.ID); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, s, b.ID, domain.StatusConfirmed)
		time.Sleep(2 * time.Second) // let the pollers take the queued duplicates
		got := getBookingAll(t, s, b.ID)
		if n := historyCount(got, domain.ActionConfirmed); n != 1 {
			t.Fatalf("%d confirmations in history", n)
		}
		if n := historyCount(got, domain.ActionDocumentAccepted); n != 1 {
			t.Fatalf("%d acceptances in history", n)
		}
		if n := historyCount(got, domain.ActionDocumentSubmitted); n != 1 {
			t.Fatalf("%d submissions in history", n)
		}
		assertQueuesDrained(t, s)
	})
}

// sqsEvent is a batch of n deliveries of one body, as SQS may hand them.
func sqsEvent(body string, n int) events.SQSEvent {
	var ev events.SQSEvent
	for i := range n {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: fmt.Sprintf("dup-%d-%d", time.Now().UnixNano(), i), Body: body,
			Attributes: map[string]string{"ApproximateReceiveCount": "1"}, EventSource: "aws:sqs",
		})
	}
	return ev
}

// TestRescheduleReissuesTicket: after a move the old ticket is not served
// and a new one is made for the new time.
func TestRescheduleReissuesTicket(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Europe/Moscow")
		c := newCitizen(t, s)
		b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
		first := waitStatus(t, s, b.ID, domain.StatusConfirmed) // no documents: at once
		to := freshSlot(t, s, d, 0, 1, nextStart())
		call(t, s, http.MethodPost, "/bookings/"+b.ID+"/reschedule", c.tok, map[string]string{"slotId": to.ID}).ok(t, http.StatusOK)
		eventually(t, "the ticket for the new time", func() bool {
			got := getBookingAll(t, s, b.ID)
			tk, ok := got.CurrentTicket()
			return ok && tk.SlotID == to.ID
		})
		got := getBookingAll(t, s, b.ID)
		if got.Ticket.Key == first.Ticket.Key || historyCount(got, domain.ActionTicketReissued) != 1 || historyCount(got, domain.ActionConfirmed) != 1 {
			t.Fatalf("ticket %+v, history %+v", got.Ticket, got.History)
		}
		call(t, s, http.MethodGet, "/bookings/"+b.ID+"/confirmation", c.tok, nil).ok(t, http.StatusOK)
	})
}

// TestExpirePending runs the expiry schedule at the deadline of bookings a
// year ahead (no other test has deadlines there): the one still missing
// documents is cancelled and its seat freed; the confirmed one is untouched;
// a second run does nothing; the run reads only what is due.
func TestExpirePending(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Asia/Kamchatka", "passport")
		start := time.Now().UTC().Add(400 * 24 * time.Hour).Truncate(time.Hour).Add(time.Duration(fixtureSeq.Add(1)%50) * 24 * time.Hour)
		sl := storeSlot(t, s, d, 0, 2, start)
		late, done := newCitizen(t, s), newCitizen(t, s)
		bLate, bDone := mustBook(t, s, late, sl.ID), mustBook(t, s, done, sl.ID)
		acceptAllDocuments(t, s, bDone.ID)
		waitStatus(t, s, bDone.ID, domain.StatusConfirmed)

		run := func(at time.Time) pipelineSummary {
			t.Helper()
			r := call(t, s, http.MethodPost, "/_local/schedules/expire-pending/run", "", map[string]string{"time": at.Format(time.RFC3339)})
			r.ok(t, http.StatusOK)
			var sum pipelineSummary
			r.decode(t, &sum)
			return sum
		}
		if sum := run(bLate.DocumentsDeadline.Add(-time.Minute)); sum.Expired != 0 {
			t.Fatalf("expired before the deadline: %+v", sum)
		}
		sum := run(bLate.DocumentsDeadline.Add(time.Second))
		if sum.Expired != 1 || sum.Due != 1 || sum.ItemsRead != sum.Due {
			t.Fatalf("run at the deadline: %+v", sum)
		}
		got := getBooking(t, s, late.tok, bLate.ID)
		if got.Status != domain.StatusCancelled || historyCount(got, domain.ActionExpired) != 1 {
			t.Fatalf("late booking %s, history %+v", got.Status, got.History)
		}
		if confirmed := getBooking(t, s, done.tok, bDone.ID); confirmed.Status != domain.StatusConfirmed {
			t.Fatalf("confirmed booking became %s", confirmed.Status)
		}
		if n := booked(t, s, sl.ID); n != 1 {
			t.Fatalf("slot booked %d after expiry, want 1", n)
		}
		if again := run(bLate.DocumentsDeadline.Add(time.Minute)); again.Expired != 0 || again.Due != 0 {
			t.Fatalf("second run: %+v", again)
		}
		call(t, s, http.MethodPost, "/_local/schedules/no-such/run", "", map[string]string{}).problem(t, http.StatusNotFound, "not_found")
		call(t, s, http.MethodPost, "/_local/schedules/expire-pending/run", "", map[string]string{"time": "yesterday"}).problem(t, http.StatusBadRequest, "validation_failed")
	})
}

type pipelineSummary struct {
	Due       int `json:"due"`
	Expired   int `json:"expired"`
	ItemsRead int `json:"itemsRead"`
}

// TestWorkerFaults makes storage fail for one message of a batch: only that
// message is reported failed (SQS redelivers it), the others are done, and
// the redelivery succeeds. Nothing is lost, nothing is half-written.
func TestWorkerFaults(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		d := docDesk(t, s, "Europe/Moscow", "passport")
		var ids, docs []string
		pdf := samplePDF(t)
		for range 2 {
			c := newCitizen(t, s)
			b := mustBook(t, s, c, freshSlot(t, s, d, 0, 1, nextStart()).ID)
			up := startUpload(t, s, c, b.ID, "passport", "application/pdf", len(pdf))
			putPresigned(t, up, pdf)
			ids, docs = append(ids, b.ID), append(docs, up.DocumentID)
		}
		// A worker whose S3 fails reads of the first booking's document.
		w := *s.rn.Worker()
		faulty := awsconf.S3(s3Config(t, s), func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, failGetFor(ids[0]))
		})
		w.Objects.Client = faulty
		// Documents are submitted straight into the store's state so the
		// runner's own pollers do not race this worker.
		for i, id := range ids {
			b := getBookingAll(t, s, id)
			doc := b.Documents[0]
			doc.Status = domain.DocUploaded
			if err := s.rn.App().Store.UpdateDocument(context.Background(), b, doc, domain.DocIssued, nil); err != nil {
				t.Fatal(err)
			}
			_ = i
		}
		ev := events.SQSEvent{}
		for i := range ids {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: fmt.Sprintf(`{"bookingId":%q,"documentId":%q}`, ids[i], docs[i])})
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "poison", Body: `{"bookingId":`})
		resp, err := w.CheckDocuments(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		if len(failed) != 2 || !failed["m0"] || !failed["poison"] {
			t.Fatalf("failures %v, want m0 and poison", resp.BatchItemFailures)
		}
		first, second := getBookingAll(t, s, ids[0]), getBookingAll(t, s, ids[1])
		if first.Documents[0].Status == domain.DocAccepted || first.Documents[0].Status == domain.DocRejected {
			t.Fatalf("failed read still decided the document: %s", first.Documents[0].Status)
		}
		if second.Documents[0].Status != domain.DocAccepted {
			t.Fatalf("healthy message: %s", second.Documents[0].Status)
		}
		// Redelivery with storage back: accepted, and confirmation follows.
		resp, err = s.rn.Worker().CheckDocuments(context.Background(), events.SQSEvent{Records: ev.Records[:1]})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %v %v", err, resp.BatchItemFailures)
		}
		waitStatus(t, s, ids[0], domain.StatusConfirmed)
		waitStatus(t, s, ids[1], domain.StatusConfirmed)
	})
}

type sqsGetAttrs = sqs.GetQueueAttributesInput

var allAttrs = []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}

func s3Config(t *testing.T, s stack) aws.Config {
	t.Helper()
	cfg, err := awsconf.Load(context.Background(), s.rn.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// failGetFor makes GetObject fail, as a broken connection to S3 would, for
// keys of one booking; every other call goes through.
func failGetFor(bookingID string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("failGet", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if g, ok := in.Parameters.(*s3.GetObjectInput); ok && strings.Contains(aws.ToString(g.Key), bookingID) {
				return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: connection reset by peer")
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
}

// The message types are the contract the sample events follow.
var _ = queue.DocumentCheck{}
