package docs

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
)

// checkPDF is a structural check, not a parser. It requires
//
//   - a %PDF-1.x or %PDF-2.0 header,
//   - "startxref", an offset and "%%EOF" in the last tailSize bytes, which is
//     what a truncated upload loses first,
//   - that the offset points at "xref" (a classic table) or at "N G obj" (an
//     xref stream), which garbage after a valid header fails,
//   - at least one page: a "/Type /Page" dictionary, or a "/Type /Pages" one
//     with /Count above 0, in plain text or inside a Flate-compressed object
//     stream (/ObjStm), where many writers keep their page objects.
//
// What it does not catch: a broken xref table or objects other than the one
// at startxref; corrupt content streams, fonts or images (a PDF that opens
// but renders blank or garbled passes); a PDF that needs a password to open
// (its dictionaries are in plain text, so it passes, unless its pages sit in
// an encrypted object stream, in which case it is rejected); page markers
// that are not real pages (inside a string or an uncompressed stream). It
// also wrongly rejects PDFs that viewers repair silently: a wrong startxref
// offset, a missing %%EOF, or junk before the header.
func checkPDF(data []byte) error {
	if !pdfHeader(data) {
		return errors.New("pdf: no %PDF-1.x or %PDF-2.0 header")
	}
	off, err := startxref(data)
	if err != nil {
		return err
	}
	if !xrefAt(data[off:]) {
		return errors.New("pdf: startxref does not point at an xref table or stream")
	}
	if !hasPage(data) {
		return errors.New("pdf: no page found")
	}
	return nil
}

const (
	// tailSize is how far from the end startxref and %%EOF are looked for.
	tailSize = 2048
	// dictWindow bounds the search around "/Type /Pages" for its /Count,
	// so that a file full of markers costs linear time.
	dictWindow = 4096
	// maxPagesNodes caps how many /Pages dictionaries are examined.
	maxPagesNodes = 64
	// maxObjStms and maxInflated cap the work spent on object streams: a
	// few kilobytes of Flate can inflate to gigabytes.
	maxObjStms  = 1000
	maxInflated = 16 << 20
)

func pdfHeader(b []byte) bool {
	if len(b) < 8 || !bytes.HasPrefix(b, []byte("%PDF-")) || b[6] != '.' || !isDigit(b[7]) {
		return false
	}
	return b[5] == '1' || (b[5] == '2' && b[7] == '0')
}

// startxref returns the offset after the last "startxref" before the last
// "%%EOF" near the end of the file.
func startxref(data []byte) (int, error) {
	tail := data[max(0, len(data)-tailSize):]
	eof := bytes.LastIndex(tail, []byte("%%EOF"))
	if eof < 0 {
		return 0, errors.New("pdf: no %%EOF at the end (truncated?)")
	}
	sx := bytes.LastIndex(tail[:eof], []byte("startxref"))
	if sx < 0 {
		return 0, errors.New("pdf: no startxref at the end (truncated?)")
	}
	field := bytes.Trim(tail[sx+len("startxref"):eof], whitespace)
	off, err := strconv.ParseUint(string(field), 10, 63)
	// Offset 0 is the header, never an xref.
	if err != nil || off == 0 || off >= uint64(len(data)) {
		return 0, errors.New("pdf: startxref offset is missing or out of range")
	}
	return int(off), nil
}

// xrefAt reports whether b starts with "xref" or an object header "N G obj".
// Leading whitespace is allowed: some writers are off by an end-of-line.
func xrefAt(b []byte) bool {
	b = bytes.TrimLeft(b, whitespace)
	if bytes.HasPrefix(b, []byte("xref")) {
		return true
	}
	for range 2 { // object and generation numbers
		n := countPrefix(b, isDigit)
		if n == 0 {
			return false
		}
		b = b[n:]
		n = countPrefix(b, isSpace)
		if n == 0 {
			return false
		}
		b = b[n:]
	}
	return bytes.HasPrefix(b, []byte("obj"))
}

// hasPage looks for a page in the file, then in its object streams.
func hasPage(data []byte) bool {
	if pageIn(data) {
		return true
	}
	budget := maxInflated
	rest := data
	for range maxObjStms {
		i := bytes.Index(rest, []byte("/ObjStm"))
		if i < 0 || budget <= 0 {
			return false
		}
		rest = rest[i+len("/ObjStm"):]
		inflated := inflateStream(rest, budget)
		budget -= len(inflated)
		if pageIn(inflated) {
			return true
		}
	}
	return false
}

// inflateStream inflates the first stream that starts within dictWindow of
// b, up to limit bytes. It returns what it could inflate, possibly nothing:
// the stream may use another filter, be encrypted or be damaged.
func inflateStream(b []byte, limit int) []byte {
	i := bytes.Index(b[:min(len(b), dictWindow)], []byte("stream"))
	if i < 0 {
		return nil
	}
	b = b[i+len("stream"):]
	// The keyword ends with CRLF or LF; tolerate a lone CR too.
	b = bytes.TrimPrefix(b, []byte("\r"))
	b = bytes.TrimPrefix(b, []byte("\n"))
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	defer zr.Close()
	out, _ := io.ReadAll(io.LimitReader(zr, int64(limit)))
	return out
}

// pageIn reports whether b holds a "/Type /Page" dictionary or a
// "/Type /Pages" one whose /Count is above 0.
func pageIn(b []byte) bool {
	pagesNodes := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("/Type"))
		if j < 0 {
			return false
		}
		at := i + j
		i = at + len("/Type")
		v, ok := nameAfter(b[i:])
		switch {
		case !ok:
		case string(v) == "/Page":
			return true
		case string(v) == "/Pages" && pagesNodes < maxPagesNodes:
			pagesNodes++
			if countAbove0(enclosingDict(b, at)) {
				return true
			}
		}
	}
}

// nameAfter reads the name value that follows a key, where b starts right
// after the key. It fails when the key was only the prefix of a longer name
// ("/Types") or the value is not a name.
func nameAfter(b []byte) ([]byte, bool) {
	if len(b) > 0 && isRegular(b[0]) {
		return nil, false
	}
	b = bytes.TrimLeft(b, whitespace)
	if len(b) == 0 || b[0] != '/' {
		return nil, false
	}
	return b[:1+countPrefix(b[1:], isRegular)], true
}

// enclosingDict returns the innermost "<< ... >>" around b[at], looking at
// most dictWindow bytes each way, or nil. Strings are not skipped: a "<<" or
// ">>" inside one can mislead it, which costs at most a missed /Count.
func enclosingDict(b []byte, at int) []byte {
	start := -1
	for k, depth := at-2, 0; k >= max(0, at-dictWindow); k-- {
		if tok := string(b[k : k+2]); tok == ">>" {
			depth++
			k--
		} else if tok == "<<" {
			if depth == 0 {
				start = k
				break
			}
			depth--
			k--
		}
	}
	if start < 0 {
		return nil
	}
	for k, depth := start+2, 0; k+2 <= min(len(b), start+dictWindow); k++ {
		if tok := string(b[k : k+2]); tok == "<<" {
			depth++
			k++
		} else if tok == ">>" {
			if depth == 0 {
				return b[start : k+2]
			}
			depth--
			k++
		}
	}
	return nil
}

// countAbove0 reports whether dict has "/Count N" with N > 0.
func countAbove0(dict []byte) bool {
	for {
		i := bytes.Index(dict, []byte("/Count"))
		if i < 0 {
			return false
		}
		dict = dict[i+len("/Count"):]
		if len(dict) == 0 || isRegular(dict[0]) {
			continue // a longer name such as /Counter
		}
		num := bytes.TrimLeft(dict, whitespace)
		num = num[:countPrefix(num, isDigit)]
		if n, err := strconv.Atoi(string(num)); err == nil && n > 0 {
			return true
		}
	}
}

// whitespace holds the PDF white-space characters.
const whitespace = "\x00\t\n\f\r "

func isSpace(c byte) bool { return bytes.IndexByte([]byte(whitespace), c) >= 0 }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isRegular reports whether c can continue a PDF name or keyword: it is
// neither white space nor a delimiter.
func isRegular(c byte) bool {
	return !isSpace(c) && bytes.IndexByte([]byte("()<>[]{}/%"), c) < 0
}

func countPrefix(b []byte, ok func(byte) bool) int {
	n := 0
	for n < len(b) && ok(b[n]) {
		n++
	}
	return n
}
