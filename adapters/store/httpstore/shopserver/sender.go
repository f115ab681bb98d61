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

// Sender signs webhook deliveries and posts them to a hub. Each post is one
// attempt: the protocol promises no retries, and hubs poll GET /v1/orders as
// the safety net, so a caller may retry or not as it likes. A Sender is safe
// for concurrent use once set up.
type Sender struct {
	// URL is the hub's webhook endpoint for this shop; required to post.
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

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sign returns the headers of one delivery of body about event (a wire
// Event* constant), signed now, with a fresh delivery id.
func (s *Sender) Sign(event string, body []byte) http.Header {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(wire.HeaderEvent, event)
	h.Set(wire.HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(wire.HeaderSignature, wire.Sign(s.Secret, ts, body))
	h.Set(wire.HeaderDelivery, randomID())
	return h
}

// SendOrder posts o as an order.created (created true) or order.updated
// event and returns the delivery id.
func (s *Sender) SendOrder(ctx context.Context, o wire.Order, created bool) (string, error) {
	if o.ShopOrderID == "" || o.UpdatedAt.IsZero() {
		return "", errors.New("shopserver: an order event needs an order id and updated_at")
	}
	body, err := json.Marshal(o)
	if err != nil {
		return "", fmt.Errorf("shopserver: encoding order %q: %w", o.ShopOrderID, err)
	}
	event := wire.EventOrderUpdated
	if created {
		event = wire.EventOrderCreated
	}
	return s.Post(ctx, event, body)
}

// Ping posts a ping event (an empty JSON object), as a shop does when its
// webhook is set up.
func (s *Sender) Ping(ctx context.Context) (string, error) {
	return s.Post(ctx, wire.EventPing, []byte("{}"))
}

// Post signs body as a delivery of event and posts it. Any 2xx answer is
// success; anything else is an error naming the status.
func (s *Sender) Post(ctx context.Context, event string, body []byte) (string, error) {
	if s.URL == "" || len(s.Secret) == 0 {
		return "", errors.New("shopserver: sender needs a URL and a secret")
	}
	h := s.Sign(event, body)
	delivery := h.Get(wire.HeaderDelivery)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("shopserver: webhook request: %w", err)
	}
	req.Header = h
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return delivery, fmt.Errorf("shopserver: webhook delivery %s: %w", delivery, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if s.Logger != nil {
		s.Logger.LogAttrs(ctx, slog.LevelDebug, "shopserver: webhook delivered",
			slog.String("event", event), slog.String("delivery", delivery), slog.Int("status", resp.StatusCode))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return delivery, fmt.Errorf("shopserver: webhook delivery %s: hub answered %s", delivery, resp.Status)
	}
	return delivery, nil
}
