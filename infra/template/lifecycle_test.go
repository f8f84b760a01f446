package template

import (
	"strings"
	"testing"

	"github.com/zapis/zapis/shared/pipeline"
)

// TestObjectsExpire checks that every prefix the functions write personal
// data under has a lifecycle rule that expires it: tickets carry the
// citizen's full name.
func TestObjectsExpire(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	bucket, ok := tpl.Definition("DocumentsBucket")
	if !ok {
		t.Fatal("no DocumentsBucket")
	}
	rules, _ := mapOf(bucket.Properties["LifecycleConfiguration"])["Rules"].([]any)
	expires := func(key string) bool {
		for _, r := range rules {
			m := mapOf(r)
			prefix, _ := m["Prefix"].(string)
			if m["Status"] == "Enabled" && prefix != "" && strings.HasPrefix(key, prefix) && m["ExpirationInDays"] != nil {
				return true
			}
		}
		return false
	}
	for _, key := range []string{pipeline.TicketKey("bk-1", "slot-1"), "documents/bk-1/doc-1"} {
		if !expires(key) {
			t.Errorf("no enabled expiration rule covers %s", key)
		}
	}
}
