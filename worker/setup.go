package worker

import (
	"context"
	"errors"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// Setting up latm's assets looks each one up first and writes it only when
// it is missing or its configuration differs from what was asked for. Every
// submitter and worker sets up on connect; with a write each time, a host
// starting many of them at once sends the server as many concurrent stream
// updates, and a restarted worker would rewrite configurations that are
// already right. Two processes that both find an asset missing both create
// it: the server accepts an identical create, and a create that lost to a
// different configuration falls back to an update.

// ensureStream returns the stream cfg names, created or updated to cfg.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, cfg)
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return s, err
		}
		s, err = js.Stream(ctx, cfg.Name)
	}
	if err != nil {
		return nil, err
	}
	if streamMatches(s.CachedInfo().Config, cfg) {
		return s, nil
	}
	return js.UpdateStream(ctx, cfg)
}

// streamMatches reports whether have holds every setting latm's stream
// configurations set to the value want gives it.
func streamMatches(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.Retention == want.Retention &&
		have.Storage == want.Storage && have.Replicas == want.Replicas &&
		(want.Duplicates == 0 || have.Duplicates == want.Duplicates) &&
		have.MaxAge == want.MaxAge && have.Description == want.Description
}

// ensureConsumer returns the durable consumer cfg names on s, created or
// updated to cfg.
func ensureConsumer(ctx context.Context, s jetstream.Stream, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	c, err := s.Consumer(ctx, cfg.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		c, err = s.CreateConsumer(ctx, cfg)
		if !errors.Is(err, jetstream.ErrConsumerExists) {
			return c, err
		}
		c, err = s.Consumer(ctx, cfg.Durable)
	}
	if err != nil {
		return nil, err
	}
	have := c.CachedInfo().Config
	if have.AckPolicy == cfg.AckPolicy && have.AckWait == cfg.AckWait && have.MaxDeliver == cfg.MaxDeliver &&
		have.MaxAckPending == cfg.MaxAckPending && have.Replicas == cfg.Replicas {
		return c, nil
	}
	return s.UpdateConsumer(ctx, cfg)
}

// ensureBucket returns the KV bucket cfg names, created or updated to cfg.
func ensureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, cfg)
		if !errors.Is(err, jetstream.ErrBucketExists) {
			return kv, err
		}
		kv, err = js.KeyValue(ctx, cfg.Bucket)
	}
	if err != nil {
		return nil, err
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, err
	}
	if bs, ok := st.(*jetstream.KeyValueBucketStatus); ok {
		have := bs.StreamInfo().Config
		if have.Replicas == cfg.Replicas && have.Description == cfg.Description &&
			have.MaxMsgsPerSubject == int64(cfg.History) && have.Storage == cfg.Storage {
			return kv, nil
		}
	}
	return js.UpdateKeyValue(ctx, cfg)
}
