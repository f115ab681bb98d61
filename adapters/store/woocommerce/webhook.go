package woocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Webhook headers WooCommerce sends.
const (
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderTopic      = "X-WC-Webhook-Topic"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
	HeaderWebhookID  = "X-WC-Webhook-ID"
)

var pingBody = regexp.MustCompile(`^webhook_id=[0-9]{1,19}$`)

// isPing reports whether a delivery is WooCommerce's creation ping: an
// unsigned form body "webhook_id=N" without webhook headers.
func isPing(h http.Header, body []byte) bool {
	return h.Get(HeaderTopic) == "" && h.Get(HeaderSignature) == "" && pingBody.Match(bytes.TrimSpace(body))
}

// VerifyWebhook implements store.WebhookReceiver: X-WC-Webhook-Signature
// must be the base64 HMAC-SHA256 of the raw body with
// credentials.webhook_secret, compared in constant time.
//
// WooCommerce sends the ping it makes when a webhook is saved ("webhook_id=N",
// form-encoded) without any signature, and refuses to save the webhook
// unless it gets 200. That exact unsigned body is accepted: it carries no
// data, and ParseWebhook reports it as a ping the hub stores nothing for.
func (s *Store) VerifyWebhook(h http.Header, body []byte) error {
	sig := strings.TrimSpace(h.Get(HeaderSignature))
	if sig == "" {
		if isPing(h, body) {
			return nil
		}
		return fmt.Errorf("woocommerce: %w: no %s header", store.ErrSignatureMissing, HeaderSignature)
	}
	if s.creds.WebhookSecret == "" {
		return fmt.Errorf("woocommerce: %w: credentials.webhook_secret is not set for this store", store.ErrSignatureInvalid)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("woocommerce: %w: %s is not base64", store.ErrSignatureInvalid, HeaderSignature)
	}
	m := hmac.New(sha256.New, []byte(s.creds.WebhookSecret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return fmt.Errorf("woocommerce: %w: %s does not match the body", store.ErrSignatureInvalid, HeaderSignature)
	}
	return nil
}

// ParseWebhook implements store.WebhookReceiver. The creation ping is
// WebhookPing; order.created, order.updated and order.restored are
// WebhookOrder with the order id from the body, DeliveryID from
// X-WC-Webhook-Delivery-ID and EventID "<topic>/<id>/<date_modified_gmt>"
// (WooCommerce sends no event id; two deliveries of one order state share
// it); other topics (order.deleted, products, action.*) are WebhookOther.
func (s *Store) ParseWebhook(h http.Header, body []byte) (store.Webhook, error) {
	if isPing(h, body) {
		return store.Webhook{Kind: store.WebhookPing}, nil
	}
	topic := strings.ToLower(strings.TrimSpace(h.Get(HeaderTopic)))
	if topic == "" {
		return store.Webhook{}, fault.Permanentf("woocommerce: webhook without %s", HeaderTopic)
	}
	w := store.Webhook{Kind: store.WebhookOther, DeliveryID: h.Get(HeaderDeliveryID), Raw: bytes.Clone(body)}
	switch topic {
	case "order.created", "order.updated", "order.restored":
	default:
		return w, nil
	}
	var head orderHead
	if err := json.Unmarshal(body, &head); err != nil {
		return store.Webhook{}, fault.Permanentf("woocommerce: %s webhook: body is not an order: %v", topic, err)
	}
	id, err := parseID(head.ID)
	if err != nil {
		return store.Webhook{}, fault.Permanentf("woocommerce: %s webhook: %v", topic, err)
	}
	w.Kind = store.WebhookOrder
	w.ShopOrderID = strconv.Itoa(id)
	w.EventID = topic + "/" + w.ShopOrderID
	if head.DateModifiedGMT != nil {
		w.EventID += "/" + *head.DateModifiedGMT
	}
	return w, nil
}
