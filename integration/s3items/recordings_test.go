package s3items_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
)

// The objects the recorded tests read, inferred from the recorded outputs.
const (
	csvWithHeader = "Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6\n,,\ntrue,1,'HelloWorld'\nNull,None,\n   ,,\n"
	csvNoHeader   = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,\ntrue,1,'HelloWorld'\nNull,None,\n   ,,\n"
	csvTwoCols    = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"
	statement1    = `{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"}`
	statement2    = `{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"}`
	statement3    = `{"verdict":"mostly-true","statement_date":"5/18/2016","statement_source":"news"}`
)

type recordedCase struct {
	test, template string
	objects        map[string]string // key in bucket-name -> body
	config         map[string]any    // ReaderConfig fields set by the test
	patch          func(st map[string]any)
}

func recordedCases() []recordedCase {
	csv := func(body string) map[string]string { return map[string]string{"file.csv": body} }
	js := func(body string) map[string]string { return map[string]string{"file.json": body} }
	maxItems := func(n int) map[string]any { return map[string]any{"MaxItems": n} }
	cases := []recordedCase{
		{test: "test_map_item_reader_base_csv_headers_first_line", template: "map_item_reader_base_csv_headers_first_line", objects: csv(csvWithHeader)},
		{test: "test_map_item_reader_base_csv_headers_decl", template: "map_item_reader_base_csv_headers_decl", objects: csv(csvNoHeader),
			config: map[string]any{"CSVHeaders": []any{"H1", "H2", "H3"}}},
		{test: "test_map_item_reader_csv_headers_decl_duplicate_headers", template: "map_item_reader_base_csv_headers_decl", objects: csv(csvNoHeader),
			config: map[string]any{"CSVHeaders": []any{"H1", "H1", "H3"}}},
		{test: "test_map_item_reader_csv_headers_decl_extra_fields", template: "map_item_reader_base_csv_headers_decl", objects: csv(csvNoHeader),
			config: map[string]any{"CSVHeaders": []any{"H1"}}},
		{test: "test_map_item_reader_csv_headers_first_row_typed_headers", template: "map_item_reader_base_csv_headers_first_line",
			objects: csv("0,True,{}\nValue4,Value5,Value6\n,,\ntrue,1,'HelloWorld'\nNull,None,\n   ,,\n")},
		{test: "test_map_item_reader_csv_first_row_extra_fields", template: "map_item_reader_base_csv_headers_first_line",
			objects: csv("H1,\nValue4,Value5,Value6\n,,\ntrue,1,'HelloWorld'\nNull,None,\n   ,,\n")},
		{test: "test_map_item_reader_csv_max_items[0]", template: "map_item_reader_base_csv_max_items", objects: csv(csvTwoCols), config: maxItems(0)},
		{test: "test_map_item_reader_csv_max_items[2]", template: "map_item_reader_base_csv_max_items", objects: csv(csvTwoCols), config: maxItems(2)},
		{test: "test_map_item_reader_csv_max_items[100000000]", template: "map_item_reader_base_csv_max_items", objects: csv(csvTwoCols), config: maxItems(100000000)},
		{test: "test_map_item_reader_base_json", template: "map_item_reader_base_json", objects: js("[" + statement1 + "," + statement2 + "," + statement3 + "]")},
		{test: "test_map_item_reader_json_no_json_list_object", template: "map_item_reader_base_json", objects: js(statement1)},
		{test: "test_map_item_reader_base_json_max_items", template: "map_item_reader_base_json_max_items", objects: js("[" + statement1 + "," + statement1 + "," + statement2 + "]")},
		{test: "test_map_item_reader_base_json_max_items_jsonata", template: "map_item_reader_base_json_max_items_jsonata", objects: js("[" + statement1 + "," + statement2 + "," + statement3 + "]")},
		{test: "test_map_item_reader_base_list_objects_v2", template: "map_item_reader_base_list_objects_v2",
			objects: map[string]string{"file_0.txt": "hello world!", "file_1.txt": "hello world!", "file_2.txt": "hello world!"}},
		{test: "test_map_state_result_writer", template: "map_state_result_writer"},
	}
	for _, n := range []string{"-1", "0", "2", "1.5", "100000000", "100000001"} {
		cases = append(cases, recordedCase{test: "test_map_item_reader_csv_max_items_paths[" + n + "]", template: "map_item_reader_base_csv_max_items_path", objects: csv(csvTwoCols)})
	}
	// ItemsPath has no effect with an ItemReader: whatever it names, the items are the
	// object's (VALID_ITEMS_PATH_FROM_INPUT is left out: its recorded output, [[0]], cannot be
	// told apart from a different object without the test's source).
	for _, p := range []struct{ name, path string }{
		{"VALID_ITEMS_PATH_FROM_ITEM_READER", "$.from_previous"}, {"INVALID_ITEMS_PATH", "$.no_such_field"}, {"VALID_ITEMS_PATH_FROM_PREVIOUS", "$.from_previous"},
	} {
		path := p.path
		cases = append(cases, recordedCase{test: "test_map_item_reader_base_json_with_items_path[" + p.name + "]", template: "map_item_reader_base_json_with_items_path",
			objects: js(`[["from-bucket-item-0"]]`), patch: func(st map[string]any) { st["ItemsPath"] = path }})
	}
	return cases
}

func TestRecordedScenarios(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "recorded.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded map[string][]map[string]any
	if err := json.Unmarshal(raw, &recorded); err != nil {
		t.Fatal(err)
	}
	for _, tc := range recordedCases() {
		t.Run(tc.test, func(t *testing.T) {
			want, ok := recorded[tc.test]
			if !ok {
				t.Fatalf("no recording %s", tc.test)
			}
			def := loadTemplate(t, tc)
			mem := s3itemstest.New("bucket-name", "bucket_name", "result-bucket")
			bucket := "bucket-name"
			if strings.Contains(tc.test, "list_objects") {
				bucket = "bucket_name"
			}
			for k, body := range tc.objects {
				if err := mem.Put(bucket, k, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
			input := want[0]["executionStartedEventDetails"].(map[string]any)["input"]
			inText, ok := input.(string)
			if !ok {
				b, _ := json.Marshal(input)
				inText = string(b)
			}
			events := runRecorded(t, def, inText, mem)
			compareHistory(t, events, want)
			if tc.test == "test_map_state_result_writer" {
				checkWritten(t, mem, events)
			}
		})
	}
}

func loadTemplate(t *testing.T, tc recordedCase) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", tc.template+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var sm map[string]any
	if err := json.Unmarshal(b, &sm); err != nil {
		t.Fatal(err)
	}
	st := sm["States"].(map[string]any)["MapState"].(map[string]any)
	if r, ok := st["ItemReader"].(map[string]any); ok && tc.config != nil {
		rc := r["ReaderConfig"].(map[string]any)
		for k, v := range tc.config {
			rc[k] = v
		}
	}
	if tc.patch != nil {
		tc.patch(st)
	}
	out, _ := json.Marshal(sm)
	return string(out)
}

const recordedAccount = "111111111111"

func runRecorded(t *testing.T, def, input string, mem *s3itemstest.Mem) []history.Event {
	t.Helper()
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1", Account: recordedAccount})
	start := engine.Start{
		ExecutionArn:    "arn:aws:states:us-east-1:" + recordedAccount + ":execution:sm:ex",
		Name:            "ex",
		StateMachineArn: "arn:aws:states:us-east-1:" + recordedAccount + ":stateMachine:sm", StateMachineName: "sm",
		RoleArn: "snf_role_arn", Input: input, Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 1,
	}
	_, events, err := runner.Local(context.Background(), in, start, runner.LocalOptions{TimeSkipping: true, Tasks: &s3items.Handler{S3: mem, ChunkSize: 16}})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// normalise puts our history in the recordings' form: no timestamps, JSON text parsed, the
// map run's ARN and the objects' ETags and dates as the recordings' placeholders.
func normalise(t *testing.T, events []history.Event) []map[string]any {
	t.Helper()
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, e := range events {
		if d, ok := e.Details.(*history.MapRunStarted); ok {
			arn := d.MapRunArn
			head, id := arn[:strings.LastIndexByte(arn, ':')], arn[strings.LastIndexByte(arn, ':')+1:]
			label := head[strings.LastIndexByte(head, '/')+1:]
			placeholder := "arn:<partition>:states:<region>:" + recordedAccount + ":mapRun:<ArnPart_0idx>/"
			if label == "TestMap" {
				placeholder += label
			} else {
				placeholder += "<MapRunArnPart0_0idx>"
			}
			text = strings.ReplaceAll(text, arn, placeholder+":<MapRunArnPart1_0idx>")
			text = strings.ReplaceAll(text, id, "<MapRunArnPart1_0idx>")
		}
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i] = clean(out[i]).(map[string]any)
	}
	return out
}

// clean drops timestamps, parses JSON text, and replaces listed objects' ETags and dates.
func clean(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "timestamp")
		for k, e := range x {
			x[k] = clean(e)
		}
		if key, ok := x["Key"].(string); ok {
			if _, ok := x["Etag"]; ok {
				x["Etag"] = "<Etag-" + key + ">"
				x["LastModified"] = "<date>"
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = clean(e)
		}
		return x
	case string:
		var p any
		if (strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[")) && json.Unmarshal([]byte(x), &p) == nil {
			return clean(p)
		}
		return x
	}
	return v
}

func compareHistory(t *testing.T, events []history.Event, want []map[string]any) {
	t.Helper()
	got := normalise(t, events)
	for i := range want {
		want[i] = clean(want[i]).(map[string]any)
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d:\n got %s\nwant %s", len(got), len(want), types(got), types(want))
	}
	for i := range want {
		// AWS writes MapRunSucceeded and MapStateExited concurrently: some recordings thread
		// MapStateExited from MapRunStarted, most from MapRunSucceeded, as Stepwise always does.
		if want[i]["type"] == "MapStateExited" && i >= 3 && want[i]["previousEventId"] == want[i-3]["id"] &&
			want[i-3]["type"] == "MapRunStarted" && got[i]["previousEventId"] == want[i-2]["id"] {
			want[i]["previousEventId"] = got[i]["previousEventId"]
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			t.Fatalf("event %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
}

func types(evs []map[string]any) string {
	var s []string
	for _, e := range evs {
		s = append(s, e["type"].(string))
	}
	return strings.Join(s, " ")
}

// checkWritten reads back what the recorded ResultWriter run wrote.
func checkWritten(t *testing.T, mem *s3itemstest.Mem, events []history.Event) {
	t.Helper()
	var out struct{ ResultWriterDetails struct{ Bucket, Key string } }
	last := events[len(events)-1].Details.(*history.Output)
	if err := json.Unmarshal([]byte(last.Output), &out); err != nil {
		t.Fatal(err)
	}
	man, err := mem.Get(out.ResultWriterDetails.Bucket, out.ResultWriterDetails.Key)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ResultFiles map[string][]struct{ Key string }
	}
	if err := json.Unmarshal(man, &m); err != nil || len(m.ResultFiles["SUCCEEDED"]) != 1 || len(m.ResultFiles["FAILED"]) != 0 {
		t.Fatalf("manifest %s (%v)", man, err)
	}
	succ, err := mem.Get("result-bucket", m.ResultFiles["SUCCEEDED"][0].Key)
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal(succ, &rs); err != nil || len(rs) != 2 || rs[0]["Output"] != `"Hello"` || rs[1]["Input"] != `"World"` {
		t.Fatalf("SUCCEEDED_0.json %s (%v)", succ, err)
	}
}
