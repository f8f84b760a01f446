package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/zapis/zapis/shared/domain"
)

// Groups of the Cognito user pool.
const (
	GroupCitizen  = "citizen"
	GroupOperator = "operator"
	GroupAdmin    = "admin"
)

// Claim names used by Zapis.
const (
	ClaimSub         = "sub"
	ClaimGroups      = "cognito:groups"
	ClaimInstitution = "custom:institution_id"
)

// Principal is the caller, as the API Gateway JWT authorizer (or the local
// runner) verified it.
type Principal struct {
	Sub           string
	Groups        []string
	InstitutionID string
}

// In reports whether the caller belongs to group.
func (p Principal) In(group string) bool { return slices.Contains(p.Groups, group) }

// principal reads the verified claims from the API Gateway v2 request
// context. The token itself was checked before the function ran.
func principal(ctx context.Context) (Principal, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(ctx)
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		return Principal{}, domain.ErrUnauthorized
	}
	c := rc.Authorizer.JWT.Claims
	if c[ClaimSub] == "" {
		return Principal{}, domain.ErrUnauthorized
	}
	return Principal{Sub: c[ClaimSub], Groups: ParseGroups(c[ClaimGroups]), InstitutionID: c[ClaimInstitution]}, nil
}

// ParseGroups reads the groups claim. API Gateway flattens a JSON array
// claim into "[a b]" (Cognito group names hold no whitespace, so a space is
// the only separator); a JSON array or one bare name is accepted too. Only
// the exact names of Zapis's groups count: a group named "citizen,admin" or
// `"admin"` is someone else's group and grants nothing.
func ParseGroups(s string) []string {
	s = strings.TrimSpace(s)
	var names []string
	if err := json.Unmarshal([]byte(s), &names); err != nil {
		if inner, ok := strings.CutPrefix(s, "["); ok {
			s, ok = strings.CutSuffix(inner, "]")
			if !ok {
				return nil
			}
		}
		names = strings.Fields(s)
	}
	var out []string
	for _, n := range names {
		if slices.Contains(knownGroups, n) {
			out = append(out, n)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
}

// knownGroups are the groups that mean something to Zapis.
var knownGroups = []string{GroupCitizen, GroupOperator, GroupAdmin}

// FormatGroups renders groups the way API Gateway passes them to a function.
func FormatGroups(groups []string) string { return "[" + strings.Join(groups, " ") + "]" }

// requireGroup returns the caller when it is in one of groups.
func requireGroup(r *http.Request, groups ...string) (Principal, error) {
	p, err := principal(r.Context())
	if err != nil {
		return Principal{}, err
	}
	for _, g := range groups {
		if p.In(g) {
			return p, nil
		}
	}
	return Principal{}, fmt.Errorf("needs group %v: %w", groups, domain.ErrForbidden)
}

// requireInstitutionStaff allows admins everywhere and operators at their
// own institution only.
func requireInstitutionStaff(r *http.Request, institutionID string) (Principal, error) {
	p, err := requireGroup(r, GroupAdmin, GroupOperator)
	if err != nil {
		return p, err
	}
	if p.In(GroupAdmin) || (p.InstitutionID != "" && p.InstitutionID == institutionID) {
		return p, nil
	}
	return Principal{}, fmt.Errorf("operator of another institution: %w", domain.ErrForbidden)
}

type pathParamsKey struct{}

// WithPathParams stores the route's path parameters (API Gateway's
// pathParameters) in ctx.
func WithPathParams(ctx context.Context, params map[string]string) context.Context {
	return context.WithValue(ctx, pathParamsKey{}, params)
}

// PathParam returns a path parameter of the matched route.
func PathParam(r *http.Request, name string) string {
	m, _ := r.Context().Value(pathParamsKey{}).(map[string]string)
	return m[name]
}
