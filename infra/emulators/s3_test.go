package emulators

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zapis/zapis/shared/awsconf"
)

func TestS3PresignedPut(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, logs := loadConfig(t, b.url)
			c := awsconf.S3(cfg)
			bucket := strings.ToLower(uniq("zapis-documents"))
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}

			key := "bookings/b1/passport.pdf"
			req, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{
				Bucket: &bucket, Key: &key, ContentType: aws.String("application/pdf"),
			}, s3.WithPresignExpires(5*time.Minute))
			if err != nil {
				t.Fatalf("PresignPutObject: %v", err)
			}
			if !strings.HasPrefix(req.URL, b.url+"/") || !strings.Contains(req.SignedHeader.Get("Content-Type")+signedHeaders(req.URL), "content-type") {
				t.Fatalf("presigned %s, headers %v: Content-Type not bound", req.URL, req.SignedHeader)
			}

			body := []byte("%PDF-1.4 test document")
			put, _ := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(body))
			put.Header.Set("Content-Type", "application/pdf")
			resp, err := http.DefaultClient.Do(put)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("presigned PUT: %s %s", resp.Status, msg)
			}

			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			if !bytes.Equal(got, body) || aws.ToString(obj.ContentType) != "application/pdf" {
				t.Fatalf("GetObject = %q (%s)", got, aws.ToString(obj.ContentType))
			}

			// A plain SDK PutObject (with the SDK's default checksums) works too.
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("confirmations/b1.pdf"), Body: bytes.NewReader(body)}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if l := logs.String(); l != "" {
				t.Fatalf("SDK logged:\n%s", l)
			}
		})
	}
}

func signedHeaders(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Query().Get("X-Amz-SignedHeaders")
}

func TestEdgeRejectsUnsignedRequests(t *testing.T) {
	for _, tc := range []struct {
		name, auth, want string
	}{
		{"unsigned", "", "unsigned request"},
		{"unknown service", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x", `"lambda" is not emulated`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, testEdge.URL()+"/", strings.NewReader("{}"))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
				t.Fatalf("%s: %s", resp.Status, body)
			}
		})
	}
}

func TestPresignExpired(t *testing.T) {
	signed := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query string
		now   time.Time
		want  bool
	}{
		{"X-Amz-Date=20260302T090000Z&X-Amz-Expires=300", signed.Add(299 * time.Second), false},
		{"X-Amz-Date=20260302T090000Z&X-Amz-Expires=300", signed.Add(301 * time.Second), true},
		{"", signed.Add(time.Hour), false}, // not presigned
	} {
		r, _ := http.NewRequest(http.MethodPut, "http://edge/b/k?"+tc.query, nil)
		if got := presignExpired(r, tc.now); got != tc.want {
			t.Errorf("%q at %v: expired = %v", tc.query, tc.now, got)
		}
	}
}
