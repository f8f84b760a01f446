package runner

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/httpapi"
)

// Local tokens imitate Cognito ID tokens closely enough for the handlers:
// the same claim names, groups as an array, the operator's institution.
const (
	tokenIssuer   = "zapis-local"
	tokenAudience = "zapis-local-client"
	tokenTTL      = 12 * time.Hour
)

var knownGroups = []string{httpapi.GroupCitizen, httpapi.GroupOperator, httpapi.GroupAdmin}

// devKey is the runner's development signing key. It is random per run
// unless ZAPIS_DEV_KEY is set, so that tokens survive a restart.
type devKey []byte

func newDevKey(fromEnv string) (devKey, error) {
	if fromEnv != "" {
		if len(fromEnv) < 32 {
			return nil, errors.New("ZAPIS_DEV_KEY must be at least 32 characters")
		}
		return devKey(fromEnv), nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

type tokenRequest struct {
	Sub           string   `json:"sub"`
	Groups        []string `json:"groups"`
	InstitutionID string   `json:"institutionId,omitempty"`
}

func (t tokenRequest) validate() error {
	var p domain.Problems
	if strings.TrimSpace(t.Sub) == "" || len(t.Sub) > 128 {
		p.Add("sub", "required", "Укажите идентификатор пользователя (1–128 символов)")
	}
	if len(t.Groups) == 0 {
		p.Add("groups", "required", "Укажите хотя бы одну группу")
	}
	for i, g := range t.Groups {
		if !slices.Contains(knownGroups, g) {
			p.Add(fmt.Sprintf("groups[%d]", i), "invalid_value", "Группа: citizen, operator или admin")
		}
	}
	if slices.Contains(t.Groups, httpapi.GroupOperator) && t.InstitutionID == "" {
		p.Add("institutionId", "required", "Оператору нужно указать учреждение")
	}
	return p.Err()
}

type idClaims struct {
	jwt.RegisteredClaims
	Groups        []string `json:"cognito:groups,omitempty"`
	InstitutionID string   `json:"custom:institution_id,omitempty"`
	TokenUse      string   `json:"token_use"`
}

func (k devKey) issue(req tokenRequest, now time.Time) (string, time.Time, error) {
	exp := now.Add(tokenTTL)
	c := idClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   req.Sub,
			Audience:  jwt.ClaimStrings{tokenAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Groups:        req.Groups,
		InstitutionID: req.InstitutionID,
		TokenUse:      "id",
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(k))
	return s, exp, err
}

// verify checks a bearer token the way the HTTP API's JWT authorizer does and
// returns the claims as API Gateway passes them to a function: strings, with
// array claims flattened to "[a b]".
func (k devKey) verify(header string, now time.Time) (map[string]string, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return nil, domain.ErrUnauthorized
	}
	var c idClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return []byte(k), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience),
		jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", domain.ErrUnauthorized, err)
	}
	claims := map[string]string{
		httpapi.ClaimSub: c.Subject,
		"iss":            c.Issuer,
		"aud":            tokenAudience,
		"token_use":      c.TokenUse,
		"exp":            fmt.Sprint(c.ExpiresAt.Unix()),
	}
	if len(c.Groups) > 0 {
		claims[httpapi.ClaimGroups] = httpapi.FormatGroups(c.Groups)
	}
	if c.InstitutionID != "" {
		claims[httpapi.ClaimInstitution] = c.InstitutionID
	}
	return claims, nil
}
