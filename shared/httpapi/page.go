package httpapi

import (
	"encoding/base64"
	"net/url"
	"strconv"

	"github.com/zapis/zapis/shared/domain"
)

// Page sizes from API.md.
const (
	defaultLimit = 50
	maxLimit     = 200
)

type page struct {
	limit int
	after string // sort key of the last item of the previous page
}

// parsePage reads ?limit= and ?nextToken=.
func parsePage(q url.Values) (page, error) {
	var p domain.Problems
	pg := page{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			p.Add("limit", "out_of_range", "Размер страницы должен быть от 1 до 200")
		} else {
			pg.limit = n
		}
	}
	if s := q.Get("nextToken"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			p.Add("nextToken", "invalid_format", "Неверный токен следующей страницы")
		} else {
			pg.after = string(b)
		}
	}
	return pg, p.Err()
}

// listResponse is the envelope of every list.
type listResponse[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// paginate cuts one page out of items sorted ascending by the unique key.
// The token is the key of the last item returned, so pages stay stable when
// items are added before the cursor.
func paginate[T any](items []T, sortKey func(T) string, pg page) listResponse[T] {
	start := 0
	if pg.after != "" {
		for start < len(items) && sortKey(items[start]) <= pg.after {
			start++
		}
	}
	end := min(start+pg.limit, len(items))
	out := listResponse[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(items) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(sortKey(items[end-1])))
	}
	return out
}
