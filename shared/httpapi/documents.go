package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapis/zapis/shared/backoff"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// submitAttempts bounds the re-reads of a submit that lost races on the
// booking's version.
const submitAttempts = 8

// maxTicketBytes bounds a ticket read back from storage; a real one is
// tens of kilobytes.
const maxTicketBytes = 2 << 20

type uploadResponse struct {
	DocumentID    string            `json:"documentId"`
	UploadURL     string            `json:"uploadUrl"`
	UploadMethod  string            `json:"uploadMethod"`
	UploadHeaders map[string]string `json:"uploadHeaders"`
	ExpiresAt     time.Time         `json:"expiresAt"`
}

// UploadDocument serves POST /bookings/{id}/documents: it records the
// upload and answers a presigned PUT bound to the content type and size.
func UploadDocument(a *App) http.Handler {
	return a.serve("UploadDocument", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		var req domain.UploadRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		// Counted and stored as checked: " photo" is the photo.
		req.Type, req.FileName = strings.TrimSpace(req.Type), strings.TrimSpace(req.FileName)
		ctx := r.Context()
		b, err := a.ownBooking(ctx, p, PathParam(r, "id"))
		if err != nil {
			return err
		}
		uploads := 0
		for _, d := range b.Documents {
			if d.Type == req.Type {
				uploads++
			}
		}
		if err := b.CheckUpload(req, uploads); err != nil {
			return err
		}
		now := a.Now().UTC()
		d := domain.Document{
			ID: store.NewDocumentID(), BookingID: b.ID, Type: req.Type, FileName: req.FileName,
			ContentType: domain.NormalizeContentType(req.ContentType), Size: req.Size,
			Status: domain.DocIssued, CreatedAt: now,
		}
		d.ObjectKey = DocumentKey(b.ID, d.ID)
		up, err := a.Objects.PresignUpload(ctx, d.ObjectKey, d.ContentType, d.Size, now)
		if err != nil {
			return err
		}
		if err := a.Store.PutDocument(ctx, d); err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "upload issued", "bookingId", b.ID, "documentId", d.ID, "type", d.Type, "size", d.Size)
		w.Header().Set("Location", "/bookings/"+b.ID+"/documents/"+d.ID)
		return writeJSON(w, http.StatusCreated, uploadResponse{
			DocumentID: d.ID, UploadURL: up.URL, UploadMethod: http.MethodPut, UploadHeaders: up.Headers, ExpiresAt: up.ExpiresAt,
		})
	})
}

type submitResponse struct {
	DocumentID string                `json:"documentId"`
	Status     domain.DocumentStatus `json:"status"`
}

// SubmitDocument serves POST /bookings/{id}/documents/{documentId}/submit:
// the document becomes uploaded and its check is queued. Submitting again
// while it waits or is checked queues it again (the worker is idempotent),
// so a client that lost the answer can simply retry.
func SubmitDocument(a *App) http.Handler {
	return a.serve("SubmitDocument", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
			return err
		}
		ctx := r.Context()
		id, docID := PathParam(r, "id"), PathParam(r, "documentId")
		// The document check of other documents of the booking moves its
		// version too, so a submit may lose a few races in a row.
		for attempt := range submitAttempts {
			if attempt > 0 {
				if err := backoff.Wait(ctx, 20*time.Millisecond, attempt, 4); err != nil {
					return err
				}
			}
			b, err := a.ownBooking(ctx, p, id)
			if err != nil {
				return err
			}
			d, ok := b.Document(docID)
			if !ok {
				return fmt.Errorf("document %s: %w", docID, domain.ErrNotFound)
			}
			issue, err := b.CheckSubmit(d)
			if err != nil {
				return err
			}
			if issue {
				from := d.Status
				d.Status, d.SubmittedAt = domain.DocUploaded, a.Now().UTC()
				err = a.Store.UpdateDocument(ctx, b, d, from, &domain.HistoryEntry{
					At: d.SubmittedAt, Action: domain.ActionDocumentSubmitted, Actor: domain.ActorCitizen,
					Details: map[string]string{"type": d.Type, "documentId": d.ID},
				})
				if store.IsStale(err) || store.IsDocumentChanged(err) {
					continue
				}
				if err != nil {
					return err
				}
			}
			if err := a.DocumentChecks.RequestCheck(ctx, b.ID, d.ID); err != nil {
				return err // 503: the document stays uploaded; a retry queues it
			}
			a.Log.InfoContext(ctx, "document submitted", "bookingId", b.ID, "documentId", d.ID, "type", d.Type)
			return writeJSON(w, http.StatusAccepted, submitResponse{DocumentID: d.ID, Status: d.Status})
		}
		return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
	})
}

// GetConfirmation serves GET /bookings/{id}/confirmation: the ticket PDF
// for the booking's current time, streamed (one round trip for a phone on a
// poor link), or with ?redirect=1 a 302 to a short-lived presigned URL.
func GetConfirmation(a *App) http.Handler {
	return a.serve("GetConfirmation", func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r.Context())
		if err != nil {
			return err
		}
		ctx := r.Context()
		b, err := a.visibleBooking(ctx, p, PathParam(r, "id"))
		if err != nil {
			return err
		}
		t, ok := b.CurrentTicket()
		if !ok {
			if b.Status == domain.StatusConfirmed {
				a.requestTicket(ctx, b) // in case the request after the move was lost
				return withDetail(domain.ErrNotConfirmed, "Талон на новое время готовится, повторите через несколько секунд")
			}
			return fmt.Errorf("booking is %s: %w", b.Status, domain.ErrNotConfirmed)
		}
		w.Header().Set("Cache-Control", "private, no-store")
		if r.URL.Query().Get("redirect") == "1" {
			url, err := a.Objects.PresignDownload(ctx, t.Key, "talon-"+b.Code+".pdf")
			if err != nil {
				return err
			}
			http.Redirect(w, r, url, http.StatusFound)
			return nil
		}
		pdf, err := a.Objects.Get(ctx, t.Key, maxTicketBytes)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="talon-`+b.Code+`.pdf"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
		w.WriteHeader(http.StatusOK)
		_, err = bytes.NewReader(pdf).WriteTo(w)
		return err
	})
}

// DocumentKey is where an uploaded document is stored; the bucket's
// lifecycle rule expires the prefix.
func DocumentKey(bookingID, documentID string) string {
	return "documents/" + bookingID + "/" + documentID
}
