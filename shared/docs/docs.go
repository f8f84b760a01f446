// Package docs is the content check of the document-check worker: given the
// bytes a patient uploaded and the content type they declared, it decides
// whether the document is accepted or why it is rejected.
//
// It is kept apart from the worker and free of AWS imports so that the rules
// can be tested and fuzzed with plain byte slices: the input is untrusted, and
// a panic or an unbounded allocation here would take the worker down. Beyond
// the standard library it depends on nothing, and it registers only the JPEG
// and PNG image decoders.
package docs

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
)

// MaxSize is the largest accepted object, in bytes (5 MiB).
const MaxSize = 5242880

// MinLongSide and MinShortSide are the smallest image dimensions, in pixels,
// at which a scan is still legible; either orientation is accepted.
const MinLongSide, MinShortSide = 600, 400

// MaxPixels caps the pixel count of an image before it is fully decoded. A
// few kilobytes of PNG can claim gigapixels (a decompression bomb), so the
// header is checked first. Decoding allocates up to 8 bytes per pixel
// (16-bit RGBA PNG), so the worker needs about 8*MaxPixels bytes of headroom.
const MaxPixels = 60_000_000

// ContentType is one of the accepted media types.
type ContentType string

// The accepted content types.
const (
	PDF  ContentType = "application/pdf"
	JPEG ContentType = "image/jpeg"
	PNG  ContentType = "image/png"
)

// ParseContentType maps a Content-Type header value to a ContentType. It
// ignores case and parameters ("Application/PDF; charset=binary" is PDF);
// anything but the three accepted types reports false.
func ParseContentType(s string) (ContentType, bool) {
	s, _, _ = strings.Cut(s, ";")
	switch ct := ContentType(strings.ToLower(strings.TrimSpace(s))); ct {
	case PDF, JPEG, PNG:
		return ct, true
	}
	return "", false
}

// Reason is a rejection reason of API.md.
type Reason string

// The rejection reasons. Check never returns ReasonNotUploaded: a missing
// object is the caller's finding, not the content's.
const (
	ReasonNotUploaded Reason = "not_uploaded"
	ReasonEmpty       Reason = "empty"
	ReasonTooLarge    Reason = "too_large"
	ReasonWrongFormat Reason = "wrong_format"
	ReasonUnreadable  Reason = "unreadable"
)

// Signatures at offset 0 of each accepted type.
var magic = map[ContentType][]byte{
	PDF:  []byte("%PDF-"),
	JPEG: {0xFF, 0xD8, 0xFF},
	PNG:  {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'},
}

// sniff returns the accepted type whose signature starts b, or "" if none.
func sniff(b []byte) ContentType {
	for _, ct := range []ContentType{PDF, JPEG, PNG} {
		if bytes.HasPrefix(b, magic[ct]) {
			return ct
		}
	}
	return ""
}

// Check inspects the real object content against the declared content type
// and returns "" when it is accepted, else the reason, plus a short English
// detail for logs that never quotes the content.
//
// size is the object size reported by storage, or -1 if unknown; a size of 0
// or above MaxSize is decided without reading r. Otherwise Check reads at
// most MaxSize+1 bytes from r, so the limit holds even when the reported size
// is wrong. A read error is reported as unreadable: a worker that wants to
// retry transient I/O errors should read the object into memory first and
// pass a bytes.Reader.
func Check(declared ContentType, size int64, r io.Reader) (Reason, string) {
	if _, ok := magic[declared]; !ok {
		return ReasonWrongFormat, fmt.Sprintf("declared type %q is not accepted", string(declared))
	}
	switch {
	case size == 0:
		return ReasonEmpty, "storage reports 0 bytes"
	case size > MaxSize:
		return ReasonTooLarge, fmt.Sprintf("storage reports %d bytes, limit %d", size, MaxSize)
	}

	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	switch {
	case err != nil:
		return ReasonUnreadable, "read: " + err.Error()
	case len(data) == 0:
		return ReasonEmpty, "0 bytes read"
	case len(data) > MaxSize:
		return ReasonTooLarge, fmt.Sprintf("more than %d bytes read", MaxSize)
	}

	if got := sniff(data); got != declared {
		if got == "" {
			return ReasonWrongFormat, fmt.Sprintf("declared %s, content matches no accepted type", declared)
		}
		return ReasonWrongFormat, fmt.Sprintf("declared %s, content is %s", declared, got)
	}

	if declared == PDF {
		err = checkPDF(data)
	} else {
		err = checkImage(declared, data)
	}
	if err != nil {
		return ReasonUnreadable, err.Error()
	}
	return "", ""
}

// checkImage checks the header first (dimensions, pixel budget) and only then
// decodes the whole image, which is what catches truncated files. The
// decoders are called directly rather than through image.Decode so that a
// format registered elsewhere in the binary cannot pass as JPEG or PNG.
func checkImage(ct ContentType, data []byte) error {
	decodeConfig, decode := png.DecodeConfig, png.Decode
	if ct == JPEG {
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	}

	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s header: %v", ct, err)
	}
	w, h := cfg.Width, cfg.Height
	if int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%dx%d exceeds %d pixels", w, h, MaxPixels)
	}
	if max(w, h) < MinLongSide || min(w, h) < MinShortSide {
		return fmt.Errorf("%dx%d is below %dx%d", w, h, MinLongSide, MinShortSide)
	}
	if _, err := decode(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("%s decode: %v", ct, err)
	}
	return nil
}
