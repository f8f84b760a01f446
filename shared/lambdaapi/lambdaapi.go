// Package lambdaapi runs an http.Handler as an API Gateway (HTTP API, payload
// v2) Lambda through aws-lambda-go-api-proxy. The local runner calls Invoke
// with events it builds, so both paths run the same code.
package lambdaapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/zapis/zapis/shared/httpapi"
)

// Func is the Lambda handler signature for HTTP API events.
type Func func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Handler adapts h. API Gateway already matched the route, so its path
// parameters are handed to h through the context.
func Handler(h http.Handler) Func {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		ctx = httpapi.WithPathParams(ctx, ev.PathParameters)
		return adapter.ProxyWithContext(ctx, ev)
	}
}

// Start runs h as the function's handler; it never returns.
func Start(h http.Handler) { lambda.Start(Handler(h)) }
