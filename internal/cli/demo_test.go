package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/demo"
)

// TestDemo runs the README's main job briefly: it makes the ERP, syncs the
// three fake shops over their real protocols with their own rules, changes
// the ERP and places orders in the shops that reach the ERP's staging
// tables. It checks the shops' own state and the staging table.
func TestDemo(t *testing.T) {
	const products = 120
	dir := filepath.Join(t.TempDir(), "demo")
	shown := map[string]map[string]demo.Shown{} // store → SKU → what the shop shows
	shopOrders := map[string]bool{}             // "store/shop order id"
	inspectDemo = func(s *demo.Shops) {
		for _, o := range s.B2B.Orders() {
			shopOrders["b2b/"+o.ShopOrderID] = true
		}
		for _, o := range s.B2C.Orders() {
			shopOrders["b2c/"+strconv.Itoa(o.ID)] = true
		}
		for _, o := range s.Abroad.Orders() {
			shopOrders["abroad/"+strconv.Itoa(o.ID)] = true
		}
		for _, id := range demo.StoreIDs {
			shown[id] = map[string]demo.Shown{}
			for n := 1; n <= products; n++ {
				sku := fmt.Sprintf("TWR-%06d", n)
				if sh, ok := s.Show(id, sku); ok {
					shown[id][sku] = sh
				}
			}
		}
	}
	t.Cleanup(func() { inspectDemo = nil })
	code, out, errOut := run(t, "demo", "--dir", dir, "--products", strconv.Itoa(products), "--duration", "6s", "--every", "300ms", "--listen", "127.0.0.1:0")
	if code != ExitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"creating a Comarch-Optima-shaped ERP with 120 products", "ERP read:", "hub running: dashboard http://127.0.0.1:",
		"a customer ordered 1 × ", "reached the ERP staging tables", "ERP: ", "demo stopped; its ERP (with the staged orders), state database and config are in " + dir} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, id := range demo.StoreIDs {
		if !regexp.MustCompile(`(?m)^  ` + id + `\s+[1-9]\d* items pushed`).MatchString(out) {
			t.Errorf("store %s got nothing:\n%s", id, out)
		}
	}

	// Orders: each staged row is an order a shop holds, staged once.
	erpDB, err := sqlerp.Open("sqlite", filepath.Join(dir, "erp-main.db"), map[string]string{"CDN": filepath.Join(dir, "optima.db")}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer erpDB.Close()
	var staged []struct {
		Store string `db:"store"`
		ID    string `db:"shop_order_id"`
	}
	if err := erpDB.Select(&staged, "SELECT store, shop_order_id FROM erpbridge_orders"); err != nil {
		t.Fatal(err)
	}
	if len(staged) == 0 {
		t.Fatalf("no order reached staging; the shops hold %v\n%s", shopOrders, out)
	}
	once := map[string]bool{}
	for _, s := range staged {
		key := s.Store + "/" + s.ID
		if !shopOrders[key] || once[key] {
			t.Errorf("staged order %s: in a shop %v, staged before %v", key, shopOrders[key], once[key])
		}
		once[key] = true
	}
	for _, m := range regexp.MustCompile(`(?m)^  (\S+) order (\S+) reached the ERP staging`).FindAllStringSubmatch(out, -1) {
		if !once[m[1]+"/"+m[2]] {
			t.Errorf("the demo said order %s/%s reached staging; staging has %v", m[1], m[2], once)
		}
	}

	// Prices as the shops show them: gross PLN, net PLN, EUR ending in .99.
	checked := 0
	for sku, a := range shown["abroad"] {
		if a.Currency != "EUR" || !strings.HasSuffix(a.Price.StringFixed(2), ".99") {
			t.Errorf("abroad shows %s at %s %s, want EUR ending in .99", sku, a.Price, a.Currency)
		}
		g, okG := shown["b2c"][sku]
		n, okN := shown["b2b"][sku]
		if okG && okN {
			if g.Currency != "PLN" || n.Currency != "PLN" || !g.Price.GreaterThan(n.Price) {
				t.Errorf("%s: b2c shows %s %s (gross), b2b %s %s (net)", sku, g.Price, g.Currency, n.Price, n.Currency)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatalf("no product is priced in all three shops: %v", shown)
	}

	// b2c shows the ERP's gross retail price of every product the demo did
	// not change (a change may still be on its way when the demo stops).
	var retail []struct {
		SKU    string `db:"sku"`
		Amount string `db:"amount"`
	}
	err = erpDB.Select(&retail, `SELECT t.Twr_Kod AS sku, CAST(p.TwC_Wartosc AS TEXT) AS amount FROM CDN.TwrCeny p
JOIN CDN.Towary t ON t.Twr_TwrId = p.TwC_TwrID JOIN CDN.DefCeny c ON c.DfC_Lp = p.TwC_TwCNumer
WHERE c.DfC_Nazwa = 'detaliczna' AND p.TwC_Typ = 2`)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, r := range retail {
		g, ok := shown["b2c"][r.SKU]
		if !ok || strings.Contains(out, "ERP: prices of "+r.SKU+" ") {
			continue
		}
		if want := decimal.RequireFromString(r.Amount).Round(2); !g.Price.Equal(want) {
			t.Errorf("b2c shows %s at %s, the ERP's retail price is %s", r.SKU, g.Price, want)
		}
		compared++
	}
	if compared == 0 {
		t.Error("no b2c price compared with the ERP")
	}

	// A second run reuses the ERP and starts the shops, state and staging afresh.
	code, out, _ = run(t, "demo", "--dir", dir, "--duration", "1s", "--listen", "127.0.0.1:0")
	if code != ExitOK || !strings.Contains(out, "using the demo ERP") {
		t.Fatalf("second demo run: exit %d\n%s", code, out)
	}
}
