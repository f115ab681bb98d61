package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
)

// TestDemo runs the README's main job briefly: it makes the ERP, syncs the
// three shops with their own rules and changes the ERP.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	t.Cleanup(func() {
		for _, id := range []string{"b2c", "b2b", "abroad"} {
			memory.Shops.Delete(id)
		}
	})
	code, out, errOut := run(t, "demo", "--dir", dir, "--products", "120", "--duration", "3s", "--every", "400ms", "--listen", "127.0.0.1:0")
	if code != ExitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"creating a Comarch-Optima-shaped ERP with 120 products", "ERP read:", "hub running: dashboard http://127.0.0.1:", "a customer ordered 1 × ",
		"ERP: ", "demo stopped; its ERP, state database and config are in " + dir} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, id := range []string{"b2c", "b2b", "abroad"} {
		if !regexp.MustCompile(`(?m)^  ` + id + `\s+[1-9]\d* items pushed`).MatchString(out) {
			t.Errorf("store %s got nothing:\n%s", id, out)
		}
	}
	// Each shop shows its own prices: gross PLN, net PLN, EUR ending in .99.
	b2c, b2b, abroad := memory.ShopFor("b2c"), memory.ShopFor("b2b"), memory.ShopFor("abroad")
	checked := 0
	for _, p := range abroad.Products() {
		if p.RegularPrice == nil {
			continue
		}
		if p.Currency != "EUR" || !strings.HasSuffix(p.RegularPrice.StringFixed(2), ".99") {
			t.Errorf("abroad price of %s = %s %s, want EUR ending in .99", p.SKU, p.RegularPrice, p.Currency)
		}
		g, okG := b2c.Product(p.SKU)
		n, okN := b2b.Product(p.SKU)
		if okG && okN && g.RegularPrice != nil && n.RegularPrice != nil {
			if !g.Gross || n.Gross || !g.RegularPrice.GreaterThan(*n.RegularPrice) {
				t.Errorf("%s: b2c %s (gross %v) vs b2b %s (gross %v)", p.SKU, g.RegularPrice, g.Gross, n.RegularPrice, n.Gross)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no product is priced in all three shops")
	}

	// A second run reuses the ERP.
	code, out, _ = run(t, "demo", "--dir", dir, "--duration", "1s", "--listen", "127.0.0.1:0")
	if code != ExitOK || !strings.Contains(out, "using the demo ERP") {
		t.Fatalf("second demo run: exit %d\n%s", code, out)
	}
}
