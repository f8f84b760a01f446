package runner

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/httpapi"
)

// API Gateway's HTTP API accepts payloads up to 10 MB; the handlers set
// their own, smaller limits.
const maxGatewayPayload = 10 << 20

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// serveAPI plays API Gateway: route, CORS, JWT authorizer, event, invoke.
func (rn *Runner) serveAPI(w http.ResponseWriter, r *http.Request) {
	rn.cors(w, r)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var allowed []string
	for _, rt := range rn.routes {
		params, ok := rt.match(r.URL.Path)
		if !ok {
			continue
		}
		if rt.Method != r.Method {
			allowed = append(allowed, rt.Method)
			continue
		}
		rn.invoke(w, r, rt, params)
		return
	}
	if len(allowed) > 0 {
		httpapi.MethodNotAllowed(w, r, strings.Join(allowed, ", "))
		return
	}
	httpapi.NotFound(w, r)
}

// cors answers like the template's CorsConfiguration, allowing any origin
// locally so that a web client on another port can call the runner.
func (rn *Runner) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Accept-Language")
		h.Set("Access-Control-Max-Age", "600")
	}
}

func (rn *Runner) invoke(w http.ResponseWriter, r *http.Request, rt route, params map[string]string) {
	now := rn.now()
	var authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if !rt.Public {
		claims, err := rn.key.verify(r.Header.Get("Authorization"), now)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGatewayPayload))
	if err != nil {
		httpapi.WriteError(w, r, fmt.Errorf("%w: body over the gateway limit", domain.ErrValidation))
		return
	}
	ev := buildEvent(r, rt, params, body, now)
	ev.RequestContext.Authorizer = authorizer

	ctx := lambdacontext.NewContext(r.Context(), &lambdacontext.LambdaContext{
		AwsRequestID:       requestID(),
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:zapis-" + rt.Function,
	})
	ctx, cancel := context.WithTimeout(ctx, rn.timeout)
	defer cancel()
	resp, err := rt.invoke(ctx, ev)
	if err != nil {
		// API Gateway answers a failed integration with 500 and no detail.
		rn.log.Error("function failed", "function", rt.Function, "error", err.Error())
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	writeResponse(w, resp)
}

// buildEvent turns an HTTP request into the payload v2 event API Gateway
// sends: lower-case headers joined by commas, cookies apart, binary bodies in
// base64.
func buildEvent(r *http.Request, rt route, params map[string]string, body []byte, now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	var query map[string]string
	if vals := r.URL.Query(); len(vals) > 0 {
		query = map[string]string{}
		for k, v := range vals {
			query[k] = strings.Join(v, ",")
		}
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.key(),
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies(r),
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   rt.key(),
			AccountID:  "000000000000",
			Stage:      "$default",
			RequestID:  requestID(),
			APIID:      "local",
			DomainName: r.Host,
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func cookies(r *http.Request) []string {
	var out []string
	for _, c := range r.Cookies() {
		out = append(out, c.String())
	}
	return out
}

func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
