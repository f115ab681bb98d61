package engine

import (
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
)

// TestVariantsAsProductsWithoutAxes: a shop without variants
// (max_variant_axes 0) gets each variant as a simple product with its own
// price and stock, and not the product they belong to.
func TestVariantsAsProductsWithoutAxes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conn := memory.DefaultConnection()
	conn.MaxVariantAxes = 0
	adapter, err := memory.New("b2c", b.shop, conn, memory.Credentials{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.st.Adapter, b.st.Features = adapter, adapter.Features()
	b.snapshot(t)
	ps, pu := b.sync(t)
	if pu.Parked != 0 || pu.Failed != 0 {
		t.Fatalf("push = %+v (project %+v)", pu, ps)
	}
	if _, ok := b.shop.Product("TSH"); ok {
		t.Error("the product the variants belong to was pushed to a shop without variants")
	}
	for _, c := range []struct{ sku, name, price, stock string }{
		{"TSH-M", "Koszulka (rozmiar: M)", "49.99", "4"}, // the product's price
		{"TSH-L", "Koszulka (rozmiar: L)", "54.99", "0"}, // its own price; MAG9 is not the store's
	} {
		p, ok := b.shop.Product(c.sku)
		if !ok {
			t.Errorf("%s not in the shop", c.sku)
			continue
		}
		if p.ParentID != "" || p.Name != c.name || p.Attributes["rozmiar"] == "" || len(p.Axes) != 0 {
			t.Errorf("%s = %+v, want a simple product named %q with its option as an attribute", c.sku, p, c.name)
		}
		if p.RegularPrice == nil || !p.RegularPrice.Equal(d(c.price)) {
			t.Errorf("%s price = %v, want %s", c.sku, p.RegularPrice, c.price)
		}
		if p.StockQuantity == nil || !p.StockQuantity.Equal(d(c.stock)) {
			t.Errorf("%s stock = %v, want %s", c.sku, p.StockQuantity, c.stock)
		}
	}
	if again, _ := b.sync(t); again.Changed != 0 {
		t.Errorf("second projection changed %d items: %+v", again.Changed, again.Changes)
	}
}
