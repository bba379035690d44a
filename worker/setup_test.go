package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// apiWrites records the JetStream API requests on nc's server that create
// or update a stream or a consumer.
type apiWrites struct {
	ch chan *nats.Msg
}

// take returns the writes received so far. The subscription is a channel
// one: the connection's reader puts each message in the channel before it
// reads the next, so after a Flush of that connection every write the
// server had sent it is there.
func (w *apiWrites) take() []string {
	var out []string
	for {
		select {
		case m := <-w.ch:
			for _, op := range []string{".STREAM.CREATE.", ".STREAM.UPDATE.", ".CONSUMER.CREATE.", ".CONSUMER.DURABLE.CREATE."} {
				if strings.Contains(m.Subject, op) {
					out = append(out, m.Subject)
				}
			}
		default:
			return out
		}
	}
}

func watchAPIWrites(t *testing.T, url string) (*apiWrites, *nats.Conn) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	w := &apiWrites{ch: make(chan *nats.Msg, 4096)}
	if _, err := nc.ChanSubscribe("$JS.API.>", w.ch); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return w, nc
}

// Setting up again with the same options writes nothing; a changed option
// updates just the asset it belongs to.
func TestSetupWritesOnlyWhatDiffers(t *testing.T) {
	t.Parallel()
	s := startNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, watcher := watchAPIWrites(t, s.ClientURL())
	setup := func(o Options) *Queue {
		t.Helper()
		q, err := Connect(ctx, s.ClientURL(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(q.Close)
		if err := watcher.Flush(); err != nil {
			t.Fatal(err)
		}
		return q
	}
	o := Options{AckWait: 5 * time.Second}
	setup(o)
	if got := w.take(); len(got) != 7 {
		t.Fatalf("first setup wrote %v; want two streams, a consumer and four buckets created", got)
	}
	setup(o)
	if got := w.take(); len(got) != 0 {
		t.Errorf("a second setup with the same options wrote %v; want nothing", got)
	}
	o.AckWait = 7 * time.Second
	q := setup(o)
	if got := w.take(); len(got) != 1 || !strings.Contains(got[0], ConsumerName) {
		t.Errorf("a changed ack wait wrote %v; want the consumer alone updated", got)
	}
	c, err := q.Stream.Consumer(ctx, ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.AckWait; got != 7*time.Second {
		t.Errorf("consumer ack wait %v after the update, want 7s", got)
	}
	o.EventsMaxAge = time.Hour
	q = setup(o)
	if got := w.take(); len(got) != 1 || !strings.HasSuffix(got[0], "STREAM.UPDATE."+EventsStream) {
		t.Errorf("a changed events max age wrote %v; want the events stream alone updated", got)
	}
	if got := q.Events.CachedInfo().Config.MaxAge; got != time.Hour {
		t.Errorf("events stream max age %v after the update, want 1h", got)
	}
}
