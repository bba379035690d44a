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

// lookupOrCreate returns what lookup finds, or what create makes when
// lookup finds nothing (created); a create that lost to another process's
// looks up again.
func lookupOrCreate[T any](lookup, create func() (T, error), notFound, exists error) (v T, created bool, err error) {
	v, err = lookup()
	if !errors.Is(err, notFound) {
		return v, false, err
	}
	if v, err = create(); !errors.Is(err, exists) {
		return v, err == nil, err
	}
	v, err = lookup()
	return v, false, err
}

// ensureStream returns the stream cfg names, created or updated to cfg.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, created, err := lookupOrCreate(
		func() (jetstream.Stream, error) { return js.Stream(ctx, cfg.Name) },
		func() (jetstream.Stream, error) { return js.CreateStream(ctx, cfg) },
		jetstream.ErrStreamNotFound, jetstream.ErrStreamNameAlreadyInUse)
	if err != nil || created || streamMatches(s.CachedInfo().Config, cfg) {
		return s, err
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
	c, created, err := lookupOrCreate(
		func() (jetstream.Consumer, error) { return s.Consumer(ctx, cfg.Durable) },
		func() (jetstream.Consumer, error) { return s.CreateConsumer(ctx, cfg) },
		jetstream.ErrConsumerNotFound, jetstream.ErrConsumerExists)
	if err != nil || created {
		return c, err
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
	kv, created, err := lookupOrCreate(
		func() (jetstream.KeyValue, error) { return js.KeyValue(ctx, cfg.Bucket) },
		func() (jetstream.KeyValue, error) { return js.CreateKeyValue(ctx, cfg) },
		jetstream.ErrBucketNotFound, jetstream.ErrBucketExists)
	if err != nil || created {
		return kv, err
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
