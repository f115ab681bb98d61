package orders_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/state"
)

func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t, "", "")
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: b.svc, MaxBodyBytes: 64 << 10}))
	defer srv.Close()
	ids := b.place(t, 2)
	post := func(store string, h http.Header, body []byte) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+store, bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	h, body, err := b.shop.OrderWebhook(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	forged := h.Clone()
	forged.Set(memory.HeaderSignature, "AAAA")
	unsigned := h.Clone()
	unsigned.Del(memory.HeaderSignature)
	before := orders.Rejected()

	tests := []struct {
		name  string
		store string
		h     http.Header
		body  []byte
		want  int
	}{
		{"unknown store", "nope", h, body, http.StatusNotFound},
		{"forged signature", b.store, forged, body, http.StatusUnauthorized},
		{"no signature", b.store, unsigned, body, http.StatusUnauthorized},
		{"too large", b.store, h, bytes.Repeat([]byte("x"), 65<<10), http.StatusRequestEntityTooLarge},
		{"ping", b.store, b.shop.SignWebhook(memory.TopicPing, []byte(`{}`)), []byte(`{}`), http.StatusOK},
		{"order", b.store, h, body, http.StatusAccepted},
		{"same delivery again", b.store, h, body, http.StatusOK},
		{"same event, new delivery", b.store, b.shop.SignWebhook(memory.TopicOrderCreated, body), body, http.StatusOK},
		{"unreadable order", b.store, b.shop.SignWebhook(memory.TopicOrderCreated, []byte(`[1,2`)), []byte(`[1,2`), http.StatusAccepted},
	}
	for _, tc := range tests {
		if got := post(tc.store, tc.h, tc.body); got != tc.want {
			t.Errorf("%s: answered %d, want %d", tc.name, got, tc.want)
		}
	}
	if n := orders.Rejected() - before; n < 2 {
		t.Errorf("rejected deliveries counted %d, want at least 2", n)
	}
	rows, err := b.hub.State.ListOrders(context.Background(), state.OrderFilter{Store: b.store})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.State)+":"+r.ShopOrderID)
		if r.State == state.OrderInvalid && (!strings.HasPrefix(r.ShopOrderID, "invalid-") || r.Reason == "") {
			t.Errorf("invalid payload stored as %+v", r)
		}
	}
	if len(rows) != 2 {
		t.Fatalf("inbox holds %v, want the order and the unreadable payload", got)
	}
}
