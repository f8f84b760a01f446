package ticketpdf

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// qrModulePx is the pixels per QR module in the embedded image. Whole pixels
// keep module edges sharp however the PDF is scaled; the PNG stays ~1 KB.
const qrModulePx = 8

// QRImage returns the QR code Render prints for content: medium error
// recovery (15%, survives a crease or a smudge) with the standard
// four-module quiet zone. Tests decode it to prove the round trip.
func QRImage(content string) (image.Image, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("ticket: qr: %w", err)
	}
	return q.Image(-qrModulePx), nil
}

// qrPNG encodes QRImage(content) as PNG for the PDF.
func qrPNG(content string) ([]byte, error) {
	img, err := QRImage(content)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("ticket: qr png: %w", err)
	}
	return buf.Bytes(), nil
}
