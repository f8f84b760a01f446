package template

import (
	"strings"
	"testing"

	"github.com/zapis/zapis/shared/httpapi"
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
	for _, key := range []string{pipeline.TicketKey("bk-1", "slot-1"), httpapi.DocumentKey("bk-1", "doc-1")} {
		if !expires(key) {
			t.Errorf("no enabled expiration rule covers %s", key)
		}
	}
}

// TestLogGroupsHaveRetention checks that every function logs to a log group
// the stack declares with a retention, and so does the API's access log.
func TestLogGroupsHaveRetention(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	retained := func(id string) bool {
		d, ok := tpl.Definition(id)
		return ok && d.Type == "AWS::Logs::LogGroup" && d.Properties["RetentionInDays"] != nil
	}
	fns := tpl.Definitions("AWS::Serverless::Function")
	if len(fns) == 0 {
		t.Fatal("no functions")
	}
	for _, fn := range fns {
		ref, _ := mapOf(mapOf(fn.Properties["LoggingConfig"])["LogGroup"])["Ref"].(string)
		if !retained(ref) {
			t.Errorf("%s: LoggingConfig.LogGroup %q is not a log group with a retention", fn.LogicalID, ref)
		}
	}
	if !retained("HttpApiAccessLogs") {
		t.Error("the access log has no retention")
	}
}
