package store

import (
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// A cursor is the LastEvaluatedKey of a page, as opaque base64url JSON.
func encodeCursor(k map[string]string) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a nextToken. It must belong to the partition being
// listed: a token from another list is a client error, not a DynamoDB
// validation failure.
func decodeCursor(token, pkName, pk string) (map[string]types.AttributeValue, error) {
	if token == "" {
		return nil, nil
	}
	bad := domain.Invalid("nextToken", "invalid_format", "Неверный токен следующей страницы")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var k map[string]string
	if err := json.Unmarshal(raw, &k); err != nil || k[pkName] != pk || k["PK"] == "" || k["SK"] == "" || len(k) != 4 {
		return nil, bad
	}
	out := make(map[string]types.AttributeValue, len(k))
	for name, v := range k {
		out[name] = str(v)
	}
	return out, nil
}
