// Package objects is the S3 adapter: presigned uploads of citizens'
// documents, reading them back for checks, and storing and serving tickets.
package objects

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/zapis/zapis/shared/domain"
)

// UploadExpiry is how long a presigned upload URL works: long enough for a
// 5 MiB upload on a slow mobile link, short enough that a leaked URL is
// soon useless.
const UploadExpiry = 15 * time.Minute

// DownloadExpiry is how long a presigned ticket URL works.
const DownloadExpiry = 5 * time.Minute

// ErrMissing means there is no object under the key.
var ErrMissing = errors.New("object does not exist")

// Bucket is one S3 bucket.
type Bucket struct {
	Client *s3.Client
	Name   string
}

// Upload is a presigned PUT.
type Upload struct {
	URL       string
	Headers   map[string]string // the client must send exactly these
	ExpiresAt time.Time
}

// PresignUpload signs a PUT of exactly size bytes of contentType to key.
// Content-Type and Content-Length are signed headers: S3 refuses an upload
// that differs in either (the real size is checked again by the worker,
// because not every S3-compatible store enforces signed headers).
func (b Bucket) PresignUpload(ctx context.Context, key, contentType string, size int64, now time.Time) (Upload, error) {
	req, err := s3.NewPresignClient(b.Client).PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.Name),
		Key:           aws.String(key),
		ContentType:   aws.String(contentType),
		ContentLength: aws.Int64(size),
	}, s3.WithPresignExpires(UploadExpiry))
	if err != nil {
		return Upload{}, fmt.Errorf("presign upload: %w: %w", domain.ErrUnavailable, err)
	}
	headers := map[string]string{}
	for name, vals := range req.SignedHeader {
		if len(vals) > 0 && !equalFold(name, "Host") {
			headers[http.CanonicalHeaderKey(name)] = vals[0]
		}
	}
	headers["Content-Type"] = contentType
	return Upload{URL: req.URL, Headers: headers, ExpiresAt: now.Add(UploadExpiry).UTC().Truncate(time.Second)}, nil
}

func equalFold(a, b string) bool { return http.CanonicalHeaderKey(a) == http.CanonicalHeaderKey(b) }

// Object is an opened object: its real size and a reader of at most the
// limit given to Open.
type Object struct {
	Size int64
	Body io.ReadCloser
}

// Open reads key; ErrMissing when there is none. The body is cut at limit
// bytes so a huge object cannot exhaust the worker's memory.
func (b Bucket) Open(ctx context.Context, key string, limit int64) (Object, error) {
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	if err != nil {
		if isMissing(err) {
			return Object{}, fmt.Errorf("%s: %w", key, ErrMissing)
		}
		return Object{}, fmt.Errorf("get object: %w: %w", domain.ErrUnavailable, err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return Object{Size: size, Body: readCloser{io.LimitReader(out.Body, limit), out.Body}}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func isMissing(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound")
}

// Put stores data under key.
func (b Bucket) Put(ctx context.Context, key, contentType string, data []byte) error {
	_, err := b.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(b.Name), Key: aws.String(key), Body: bytesReader(data),
		ContentType: aws.String(contentType), ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("put object: %w: %w", domain.ErrUnavailable, err)
	}
	return nil
}

// Get reads a whole object of at most limit bytes.
func (b Bucket) Get(ctx context.Context, key string, limit int64) ([]byte, error) {
	obj, err := b.Open(ctx, key, limit)
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		return nil, fmt.Errorf("read object: %w: %w", domain.ErrUnavailable, err)
	}
	return data, nil
}

func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }

// PresignDownload signs a GET of key that saves as fileName.
func (b Bucket) PresignDownload(ctx context.Context, key, fileName string) (string, error) {
	req, err := s3.NewPresignClient(b.Client).PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(b.Name), Key: aws.String(key),
		ResponseContentType:        aws.String("application/pdf"),
		ResponseContentDisposition: aws.String(`inline; filename="` + fileName + `"`),
	}, s3.WithPresignExpires(DownloadExpiry))
	if err != nil {
		return "", fmt.Errorf("presign download: %w: %w", domain.ErrUnavailable, err)
	}
	return req.URL, nil
}
