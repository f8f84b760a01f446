package httpapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/zapis/zapis/shared/domain"
)

// requestWithGroups is a request as the api-proxy hands it to a handler,
// with the groups claim API Gateway would pass.
func requestWithGroups(t *testing.T, groups string) *http.Request {
	t.Helper()
	var acc core.RequestAccessorV2
	r, err := acc.EventToRequestWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/services",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/services"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{ClaimSub: "u-1", ClaimGroups: groups},
				},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A group whose name merely contains "admin" is not the admin group.
func TestRequireGroupExactNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		groups string
		admin  bool
	}{
		{"[admin]", true},
		{"[citizen admin]", true},
		{`["citizen","admin"]`, true},
		{"[citizen,admin]", false},
		{`["citizen,admin"]`, false},
		{`["\"admin\""]`, false},
		{`[citizen "admin"]`, false},
		{"[admins]", false},
		{"[ADMIN]", false},
	}
	for _, tt := range tests {
		_, err := requireGroup(requestWithGroups(t, tt.groups), GroupAdmin)
		if got := err == nil; got != tt.admin {
			t.Errorf("groups %q: admin = %v, want %v (err %v)", tt.groups, got, tt.admin, err)
		}
		if err != nil && !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("groups %q: err %v, want forbidden", tt.groups, err)
		}
	}
}
