package state

import (
	"os"
	"testing"
)

// TestUnbind: an item the shop no longer has loses its shop id and is due
// again, with the price and stock of its SKU; an id that changed meanwhile
// is left alone.
func TestUnbind(t *testing.T) {
	t.Parallel()
	openers := map[string]opener{"sqlite": openTestSQLite}
	if dsn := os.Getenv(postgresEnv); dsn != "" {
		openers["postgres"] = postgresOpener(dsn)
	}
	for name, open := range openers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			ctx := t.Context()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var items []DesiredItem
			for _, k := range []string{"product", "price", "stock"} {
				items = append(items, DesiredItem{Store: "b2c", Kind: k, SKU: "P1", Hash: "h-" + k, Payload: []byte(`{}`)},
					DesiredItem{Store: "b2c", Kind: k, SKU: "P2", Hash: "h-" + k, Payload: []byte(`{}`)})
			}
			if _, err := db.SetDesired(ctx, nil, items); err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if err := db.Ack(ctx, it.Store, it.Kind, it.SKU, "shop-"+it.SKU, it.Hash); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := db.Unbind(ctx, "b2c", "product", "P1", "not-its-id"); err != nil || ok {
				t.Fatalf("Unbind with another id = %v, %v; want false", ok, err)
			}
			if ok, err := db.Unbind(ctx, "b2c", "product", "P1", "shop-P1"); err != nil || !ok {
				t.Fatalf("Unbind = %v, %v; want true", ok, err)
			}
			for _, k := range []string{"product", "price", "stock"} {
				it, err := db.GetStoreItem(ctx, "b2c", k, "P1")
				if err != nil || it.ShopID != "" || !it.Dirty() {
					t.Errorf("%s P1 after Unbind = %+v (%v), want no shop id and dirty", k, it, err)
				}
				other, err := db.GetStoreItem(ctx, "b2c", k, "P2")
				if err != nil || other.ShopID != "shop-P2" || other.Dirty() {
					t.Errorf("%s P2 = %+v (%v), want untouched", k, other, err)
				}
			}
			if ok, err := db.Unbind(ctx, "b2c", "product", "P1", ""); err != nil || ok {
				t.Errorf("Unbind of an unbound item = %v, %v; want false", ok, err)
			}
		})
	}
}
