package metrics

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestCountWritesEMF(t *testing.T) {
	var buf bytes.Buffer
	prev := SetOutput(&buf)
	defer SetOutput(prev)
	Count(BookingsCreated, 2)
	Count(SlotFull, 0) // nothing happened: no line
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 1 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function        string
		BookingsCreated int
	}
	if err := json.Unmarshal(lines[0], &got); err != nil {
		t.Fatal(err)
	}
	cw := got.AWS.CloudWatchMetrics
	if got.AWS.Timestamp == 0 || len(cw) != 1 || cw[0].Namespace != Namespace ||
		!reflect.DeepEqual(cw[0].Dimensions, [][]string{{"Function"}, {}}) ||
		cw[0].Metrics[0].Name != BookingsCreated || cw[0].Metrics[0].Unit != "Count" || got.BookingsCreated != 2 || got.Function == "" {
		t.Fatalf("EMF line %s", lines[0])
	}
}
