package emulators

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/truora/minidyn/server"
)

// dynamoFront serves DynamoDB through minidyn and fills its gaps: the CRC32
// header the SDK validates, ACTIVE table status, TTL and ListTables.
type dynamoFront struct {
	// mu serialises every call: minidyn's CreateTable, DescribeTable,
	// UpdateTable and DeleteTable touch its table map without its own lock,
	// and DescribeTable reads item counts that writes change. Data calls are
	// already serialised inside minidyn, so this costs no concurrency.
	mu     sync.Mutex
	engine *server.Server
	tables map[string]string // name → TTL attribute ("" when TTL is off)
}

func newDynamoFront() *dynamoFront {
	return &dynamoFront{engine: server.NewServer(), tables: map[string]string{}}
}

func (d *dynamoFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")

	status, out := d.serialized(r, op, body)

	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	// minidyn sends no X-Amz-Crc32; the SDK then checks against 0 and warns
	// on every call. Send the real checksum instead.
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func (d *dynamoFront) serialized(r *http.Request, op string, body []byte) (int, []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.call(r, op, body)
}

func (d *dynamoFront) call(r *http.Request, op string, body []byte) (int, []byte) {
	var in struct {
		TableName               string
		ExclusiveStartTableName string
		Limit                   int
		TimeToLiveSpecification struct {
			AttributeName string
			Enabled       bool
		}
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return ddbError("SerializationException", err.Error())
		}
	}

	switch op {
	case "ListTables":
		return d.listTables(in.ExclusiveStartTableName, in.Limit)
	case "DescribeTimeToLive":
		attr, ok := d.tables[in.TableName]
		if !ok {
			return ddbError("ResourceNotFoundException", "Requested resource not found: Table: "+in.TableName+" not found")
		}
		desc := map[string]string{"TimeToLiveStatus": "DISABLED"}
		if attr != "" {
			desc = map[string]string{"TimeToLiveStatus": "ENABLED", "AttributeName": attr}
		}
		return ddbOK(map[string]any{"TimeToLiveDescription": desc})
	case "UpdateTimeToLive":
		attr, ok := d.tables[in.TableName]
		spec := in.TimeToLiveSpecification
		switch {
		case !ok:
			return ddbError("ResourceNotFoundException", "Requested resource not found: Table: "+in.TableName+" not found")
		case spec.Enabled && attr != "":
			return ddbError("ValidationException", "TimeToLive is already enabled")
		case !spec.Enabled && attr == "":
			return ddbError("ValidationException", "TimeToLive is already disabled")
		case spec.Enabled:
			d.tables[in.TableName] = spec.AttributeName
		default:
			d.tables[in.TableName] = ""
		}
		return ddbOK(map[string]any{"TimeToLiveSpecification": spec})
	}

	rec := newRecorder()
	d.engine.ServeHTTP(rec, replayRequest(r, body))
	out := rec.body.Bytes()
	if !strings.Contains(rec.header.Get("Content-Type"), "json") {
		// minidyn answers unknown operations with a plain-text 400.
		return ddbError("UnknownOperationException", "zapis edge: minidyn does not implement "+op)
	}
	if rec.status != http.StatusOK {
		return rec.status, out
	}
	switch op {
	case "CreateTable":
		d.tables[in.TableName] = ""
		return http.StatusOK, withTableStatus(out, "TableDescription", "ACTIVE")
	case "DescribeTable":
		return http.StatusOK, withTableStatus(out, "Table", "ACTIVE")
	case "UpdateTable":
		return http.StatusOK, withTableStatus(out, "TableDescription", "ACTIVE")
	case "DeleteTable":
		delete(d.tables, in.TableName)
		return http.StatusOK, withTableStatus(out, "TableDescription", "DELETING")
	}
	return http.StatusOK, out
}

func (d *dynamoFront) listTables(start string, limit int) (int, []byte) {
	names := make([]string, 0, len(d.tables))
	for name := range d.tables {
		if name > start {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	res := map[string]any{}
	if limit > 0 && len(names) > limit {
		names = names[:limit]
		res["LastEvaluatedTableName"] = names[limit-1]
	}
	res["TableNames"] = names
	return ddbOK(res)
}

// withTableStatus sets the status minidyn leaves empty, so table waiters
// finish, and the ARN it leaves out.
func withTableStatus(out []byte, field, status string) []byte {
	var res map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return out
	}
	desc, ok := res[field].(map[string]any)
	if !ok {
		return out
	}
	desc["TableStatus"] = status
	if name, ok := desc["TableName"].(string); ok {
		desc["TableArn"] = "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + name
	}
	if gsis, ok := desc["GlobalSecondaryIndexes"].([]any); ok {
		for _, g := range gsis {
			if g, ok := g.(map[string]any); ok {
				if s, _ := g["IndexStatus"].(string); s == "" {
					g["IndexStatus"] = "ACTIVE"
				}
			}
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return out
	}
	return b
}

func ddbOK(v any) (int, []byte) {
	b, _ := json.Marshal(v)
	return http.StatusOK, b
}

func ddbError(typ, msg string) (int, []byte) {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
	return http.StatusBadRequest, b
}
