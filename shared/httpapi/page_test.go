package httpapi

import (
	"log/slog"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func fixedNow() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }

func TestPaginateWalksEveryItemOnce(t *testing.T) {
	t.Parallel()
	items := make([]string, 0, 123)
	for i := range 123 {
		items = append(items, "k"+strconv.Itoa(1000+i))
	}
	id := func(s string) string { return s }
	for _, limit := range []int{1, 7, 50, 200} {
		seen := 0
		token := ""
		for pages := 0; ; pages++ {
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if token != "" {
				q.Set("nextToken", token)
			}
			pg, err := parsePage(q)
			if err != nil {
				t.Fatal(err)
			}
			res := paginate(items, id, pg)
			for _, it := range res.Items {
				if it != items[seen] {
					t.Fatalf("limit %d: item %s at %d", limit, it, seen)
				}
				seen++
			}
			if res.NextToken == "" {
				break
			}
			token = res.NextToken
			if pages > 200 {
				t.Fatal("pagination does not end")
			}
		}
		if seen != len(items) {
			t.Fatalf("limit %d: saw %d of %d", limit, seen, len(items))
		}
	}
}

func TestParsePageRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, q := range []url.Values{
		{"limit": {"0"}}, {"limit": {"201"}}, {"limit": {"ten"}}, {"limit": {"-1"}},
		{"nextToken": {"%%%"}},
	} {
		if _, err := parsePage(q); err == nil {
			t.Errorf("parsePage(%v) accepted", q)
		}
	}
	pg, err := parsePage(url.Values{})
	if err != nil || pg.limit != 50 {
		t.Fatalf("default page %+v %v", pg, err)
	}
}
