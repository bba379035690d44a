package worker

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func FuzzDecodeTask(f *testing.F) {
	for _, s := range []string{
		`{"batch":"b","id":"1","question":"q","tool":"sort@1","package":"pkg.ab"}`,
		`{"batch":"b","id":"1","question":"q"}`,
		`{"batch":"b","id":"1","question":"q","tool":"sort"}`,
		`{"batch":"","id":"1"}`, `[]`, `{`, `null`, "\xff",
		`{"batch":"b","id":"make.2.6","make":2}`, `{"batch":"b","make":-3}`, `{"batch":"b","make":1,"question":"q"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		task, err := decodeTask(data)
		if err != nil {
			return
		}
		switch {
		case task.Make < 0:
			t.Fatalf("accepted a request to make group %d", task.Make)
		case task.Make > 0:
			if task.Batch == "" || task.Question != "" || task.Tool != "" || task.Package != "" || task.Answer != "" {
				t.Fatalf("accepted a make request with an instance or no batch %+v", task)
			}
		case task.Batch == "" || task.ID == "" || task.Question == "" || (task.Tool == "") != (task.Package == ""):
			t.Fatalf("accepted an incomplete instance %+v", task)
		}
		b, err := json.Marshal(task)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeTask(b)
		if err != nil || !reflect.DeepEqual(again, task) {
			t.Fatalf("round trip %+v → %+v (%v)", task, again, err)
		}
	})
}

func TestAMalformedInstanceIsDroppedAndTheWorkerGoesOn(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := useServer(t)
	s := startNode(t)
	q := connect(t, ctx, s.ClientURL(), Options{})
	for _, bad := range []string{`{"batch":`, `{"batch":"b","id":"x"}`} {
		if _, err := q.JS.PublishMsg(ctx, &nats.Msg{Subject: WorkSubject, Data: []byte(bad)}); err != nil {
			t.Fatal(err)
		}
	}
	runWorker(t, &Worker{Queue: q, Engine: openEngine(t, srv.URL), Name: "w"})
	got, _, err := collect(ctx, q, openStore(t), items(lists[1]), SubmitOptions{Batch: "b", Tool: sortTool()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Answer != wantAnswer(1) {
		t.Errorf("results %+v", got)
	}
}
