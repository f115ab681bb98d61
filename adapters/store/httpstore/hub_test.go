package httpstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// TestHubToHub is one erpbridge (hub A) feeding another (hub B): hub A's
// adapter pushes its catalog to hub B's shop side, a customer orders at hub
// B, and the order comes back to hub A by polling and by a signed webhook;
// hub A's status and tracking then show at hub B.
func TestHubToHub(t *testing.T) {
	t.Parallel()
	hubB := setup(t, options{pageSize: 2})
	hubA := hubB.st
	ctx := context.Background()
	start := hubB.clock.Now()

	// Hub A pushes categories first, then products, variants, prices, stock.
	catalogItems := []store.Item{
		{Kind: catalog.KindCategory, SKU: "garden", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "garden", Name: "Garden", Path: "Garden"}},
		{Kind: catalog.KindCategory, SKU: "hoses", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "hoses", ParentCode: "garden", Name: "Hoses", Path: "Garden/Hoses"}},
		{Kind: catalog.KindProduct, SKU: "HOSE", Op: store.OpUpsert, Doc: &store.ProductDoc{
			SKU: "HOSE", Name: "Garden hose", VATRate: dec("23"), Active: true, Categories: []string{"hoses"}, Axes: []string{"length"}}},
		variant("HOSE-20", "HOSE", "20 m"),
		variant("HOSE-50", "HOSE", "50 m"),
		price("HOSE-20", "49.90"),
		price("HOSE-50", "99.00"),
		stock("HOSE-20", "10"),
		stock("HOSE-50", "0.5"),
	}
	res := pushOK(t, hubA, catalogItems)
	if v, _ := hubB.mem.Item(catalog.KindVariant, "HOSE-50"); v.ParentShopID != res[2].ShopID {
		t.Fatalf("hub B's variant has parent %q, want %q", v.ParentShopID, res[2].ShopID)
	}

	// Hub A listens for hub B's webhooks.
	got := make(chan store.Webhook, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := hubA.VerifyWebhook(r.Header, body); err != nil {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		wh, err := hubA.ParseWebhook(r.Header, body)
		if err != nil {
			http.Error(w, "payload", http.StatusBadRequest)
			return
		}
		got <- wh
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)

	// A customer orders at hub B's shop.
	placed, err := hubB.mem.PlaceOrder(ctx, shopserver.OrderSpec{
		Customer: catalog.Customer{Kind: catalog.CustomerCompany, CompanyName: "Ogrody Sp. z o.o.", NIP: "5260250995", NIPCountry: "PL"},
		Billing:  catalog.Address{Name: "Ogrody", City: "Warszawa", Country: "PL"},
		Lines:    []shopserver.LineSpec{{SKU: "HOSE-20", Quantity: dec("3")}},
		Shipping: catalog.Shipping{Method: "courier", Cost: dec("12.00"), VATRate: dec("23")},
		Payment:  "transfer",
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := hubB.mem.Item(catalog.KindStock, "HOSE-20"); !st.Doc.(*store.StockDoc).Quantity.Equal(dec("7")) {
		t.Errorf("hub B's stock after the order = %s, want 7", st.Doc.(*store.StockDoc).Quantity)
	}

	// Hub B tells hub A about it.
	sender := &shopserver.Sender{URL: hook.URL, Secret: []byte(testSecret), Now: hubB.clock.Now}
	if _, err := sender.SendOrder(ctx, placed, true); err != nil {
		t.Fatalf("webhook delivery: %v", err)
	}
	var wh store.Webhook
	select {
	case wh = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("hub A got no webhook")
	}
	fromHook, err := hubA.ParseOrder(wh.Raw)
	if err != nil {
		t.Fatal(err)
	}

	// Hub A's poll finds the same order.
	page, err := hubA.Orders(ctx, start.Add(-time.Minute), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 1 || page.Orders[0].ID != placed.ShopOrderID {
		t.Fatalf("hub A polled %+v, want order %s", page.Orders, placed.ShopOrderID)
	}
	fromPoll, err := hubA.ParseOrder(page.Orders[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []catalog.Order{fromHook, fromPoll} {
		if o.ShopOrderID != placed.ShopOrderID || o.Currency != "PLN" || !o.PricesIncludeTax ||
			len(o.Lines) != 1 || o.Lines[0].SKU != "HOSE-20" || !o.Lines[0].Quantity.Equal(dec("3")) ||
			!o.Lines[0].UnitPrice.Equal(dec("49.90")) || !o.Total.Equal(dec("161.70")) ||
			o.Customer.Kind != catalog.CustomerCompany || o.Customer.NIP != "5260250995" {
			t.Errorf("hub A's order = %+v", o)
		}
		if !o.Total.Equal(o.LinesTotal()) {
			t.Errorf("order total %s differs from its lines %s", o.Total, o.LinesTotal())
		}
	}

	// A wrongly signed delivery is refused and the sender says so.
	bad := &shopserver.Sender{URL: hook.URL, Secret: []byte("not the secret"), Now: hubB.clock.Now}
	if _, err := bad.SendOrder(ctx, placed, false); err == nil {
		t.Error("a delivery with the wrong secret was accepted")
	}

	// Hub A's ERP took the order: status and tracking go back to hub B, and
	// hub A's next poll from its watermark sees the change.
	hubB.clock.Add(time.Minute)
	watermark := fromPoll.UpdatedAt
	u := catalog.StatusUpdate{Status: catalog.StatusShipped, ERPNumber: "ZS/7/2026", Tracking: &catalog.Tracking{Carrier: "DPD", Number: "0001"}}
	if err := hubA.SetStatus(ctx, placed.ShopOrderID, u); err != nil {
		t.Fatal(err)
	}
	atB, err := hubB.mem.Order(ctx, placed.ShopOrderID)
	if err != nil {
		t.Fatal(err)
	}
	if atB.Status != catalog.StatusShipped || atB.ERPNumber != "ZS/7/2026" || atB.Tracking == nil || atB.Tracking.Number != "0001" {
		t.Errorf("hub B's order after the status update = %+v", atB)
	}
	again, err := hubA.Orders(ctx, watermark, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Orders) != 1 || !again.Orders[0].UpdatedAt.After(watermark) {
		t.Fatalf("poll after the update = %+v, want the order with a later updated_at", again.Orders)
	}
	if o, err := hubA.ParseOrder(again.Orders[0].Raw); err != nil || o.Status != catalog.StatusShipped {
		t.Errorf("re-polled order: status %s, err %v; want shipped", o.Status, err)
	}
}
