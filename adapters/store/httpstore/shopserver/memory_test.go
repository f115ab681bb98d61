package shopserver_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestMemoryPlaceOrderChecksStock(t *testing.T) {
	t.Parallel()
	m := shopserver.NewMemory()
	ctx := context.Background()
	res, err := m.Apply(ctx, []store.Item{
		{Kind: catalog.KindProduct, SKU: "P1", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "P1", Name: "P", Active: true}},
		{Kind: catalog.KindPrice, SKU: "P1", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: "P1", Currency: "PLN", Gross: true, Regular: mustDec("10")}},
		{Kind: catalog.KindStock, SKU: "P1", Op: store.OpUpsert, Doc: &store.StockDoc{SKU: "P1", Quantity: mustDec("2"), Status: store.InStock}},
		{Kind: catalog.KindProduct, SKU: "P2", Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: "P2", Name: "Q", Active: false}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	line := func(sku, q string) shopserver.OrderSpec {
		return shopserver.OrderSpec{Lines: []shopserver.LineSpec{{SKU: sku, Quantity: mustDec(q)}}}
	}
	if _, err := m.PlaceOrder(ctx, line("P1", "3")); !errors.Is(err, shopserver.ErrNotForSale) {
		t.Errorf("ordering 3 of 2 in stock: %v, want ErrNotForSale", err)
	}
	twoLines := shopserver.OrderSpec{Lines: []shopserver.LineSpec{{SKU: "P1", Quantity: mustDec("1.5")}, {SKU: "P1", Quantity: mustDec("1")}}}
	if _, err := m.PlaceOrder(ctx, twoLines); !errors.Is(err, shopserver.ErrNotForSale) {
		t.Errorf("ordering 2.5 of 2 in two lines: %v, want ErrNotForSale", err)
	}
	if _, err := m.PlaceOrder(ctx, line("P2", "1")); !errors.Is(err, shopserver.ErrNotForSale) {
		t.Errorf("ordering an inactive product: %v, want ErrNotForSale", err)
	}
	o, err := m.PlaceOrder(ctx, line("P1", "2"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Total.Equal(mustDec("20")) || o.Currency != "PLN" || !o.PricesIncludeTax {
		t.Errorf("order = %+v", o)
	}
	st, _ := m.Item(catalog.KindStock, "P1")
	if q := st.Doc.(*store.StockDoc).Quantity; !q.IsZero() {
		t.Errorf("stock after the order = %s, want 0", q)
	}
	if _, err := m.PlaceOrder(ctx, line("P1", "1")); !errors.Is(err, shopserver.ErrNotForSale) {
		t.Errorf("ordering from empty stock: %v, want ErrNotForSale", err)
	}
}

func TestMemoryCancelledContext(t *testing.T) {
	t.Parallel()
	m := shopserver.NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Apply(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply: %v", err)
	}
	if _, err := m.ListOrders(ctx, shopserver.OrderPosition{}, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("ListOrders: %v", err)
	}
}

func TestMemoryRefusesMismatchedDocs(t *testing.T) {
	t.Parallel()
	m := shopserver.NewMemory()
	res, err := m.Apply(context.Background(), []store.Item{
		{Kind: catalog.KindProduct, SKU: "C", Op: store.OpUpsert, Doc: &store.CategoryDoc{Code: "C", Name: "C"}},
		{Kind: catalog.KindPrice, SKU: "P", Op: store.OpUpsert, Doc: store.PriceDoc{SKU: "P"}},
		{Kind: catalog.KindStock, SKU: "P", Op: store.OpUpsert, Doc: (*store.StockDoc)(nil)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !fault.IsPermanent(r.Err) {
			t.Errorf("item %d: err = %v, want Permanent", i, r.Err)
		}
	}
	if n := len(m.Items()); n != 0 {
		t.Errorf("%d items stored", n)
	}
}
