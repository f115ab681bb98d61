package shopserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
)

// Sender signs webhook deliveries and posts them to a hub. Each Send is one
// attempt: the protocol promises no retries, and hubs poll GET /v1/orders as
// the safety net, so a caller may retry or not as it likes. A Sender is safe
// for concurrent use once set up.
type Sender struct {
	// URL is the hub's webhook endpoint for this shop; required.
	URL string
	// Secret is the shared webhook secret; required.
	Secret []byte
	// Client sends the requests (nil: http.DefaultClient).
	Client *http.Client
	// Now is the clock the timestamps come from (nil: time.Now).
	Now func() time.Time
	// Logger gets one debug line per delivery (nil: discard).
	Logger *slog.Logger
}

// OrderEvent returns the event about o: order.created when created is true,
// else order.updated. Its id is derived from the order's id and UpdatedAt,
// so every delivery about the same state of an order has the same event id.
func OrderEvent(o wire.Order, created bool) (wire.Event, error) {
	if o.ShopOrderID == "" || o.UpdatedAt.IsZero() {
		return wire.Event{}, errors.New("shopserver: order event needs an order id and updated_at")
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return wire.Event{}, fmt.Errorf("shopserver: encoding order %q: %w", o.ShopOrderID, err)
	}
	typ := wire.EventOrderUpdated
	if created {
		typ = wire.EventOrderCreated
	}
	return wire.Event{
		ID:         "order:" + o.ShopOrderID + ":" + strconv.FormatInt(o.UpdatedAt.UnixNano(), 10),
		Type:       typ,
		OccurredAt: o.UpdatedAt.UTC(),
		Order:      raw,
	}, nil
}

// PingEvent returns a ping event with a fresh id.
func PingEvent(now time.Time) wire.Event {
	return wire.Event{ID: "ping:" + randomID(), Type: wire.EventPing, OccurredAt: now.UTC()}
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Delivery returns the headers and body of one signed delivery of ev, with
// a fresh delivery id, as Send would post it.
func (s *Sender) Delivery(ev wire.Event) (http.Header, []byte, error) {
	if len(s.Secret) == 0 {
		return nil, nil, errors.New("shopserver: sender has no secret")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, nil, fmt.Errorf("shopserver: encoding event %q: %w", ev.ID, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(wire.HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(wire.HeaderSignature, wire.Sign(s.Secret, ts, body))
	h.Set(wire.HeaderDelivery, randomID())
	return h, body, nil
}

// Send posts one signed delivery of ev and returns its delivery id. Any 2xx
// answer is success; anything else is an error naming the status.
func (s *Sender) Send(ctx context.Context, ev wire.Event) (string, error) {
	if s.URL == "" {
		return "", errors.New("shopserver: sender has no URL")
	}
	h, body, err := s.Delivery(ev)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("shopserver: webhook request: %w", err)
	}
	req.Header = h
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	delivery := h.Get(wire.HeaderDelivery)
	resp, err := client.Do(req)
	if err != nil {
		return delivery, fmt.Errorf("shopserver: webhook delivery %s: %w", delivery, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if s.Logger != nil {
		s.Logger.LogAttrs(ctx, slog.LevelDebug, "shopserver: webhook delivered",
			slog.String("event", ev.ID), slog.String("type", ev.Type),
			slog.String("delivery", delivery), slog.Int("status", resp.StatusCode))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return delivery, fmt.Errorf("shopserver: webhook delivery %s: hub answered %s", delivery, resp.Status)
	}
	return delivery, nil
}
