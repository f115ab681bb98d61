package engine

import (
	"strings"
	"testing"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// TestPricesFromERPRates: a store with rate_from_erp converts with the
// latest rate on or before the projection's day from the mirror's rate
// table, read by a snapshot of SnapshotKinds; a new rate re-prices it.
func TestPricesFromERPRates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.st.Rules.Price.Currency = "EUR"
	b.shop.SetCurrency("EUR")
	b.st.Rules.Price.RateFromERP, b.st.Rules.Price.HomeCurrency = true, "PLN"
	rates := []catalog.Record{
		catalog.CurrencyRate{Currency: "EUR", ValidFrom: "2026-11-30", Rate: d("4.00")},
		catalog.CurrencyRate{Currency: "EUR", ValidFrom: "2026-12-04", Rate: d("5.00")}, // tomorrow
	}
	b.erp.set(append(catalogRecords("19.90"), rates...)...)
	kinds := SnapshotKinds([]*Store{b.st})
	if _, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("0.5"), Kinds: kinds}); err != nil {
		t.Fatal(err)
	}
	b.sync(t)
	mug, _ := b.shop.Product("KUB-1")
	if mug.RegularPrice == nil || !mug.RegularPrice.Equal(d("4.98")) { // 19.90 / 4.00
		t.Fatalf("mug price = %v EUR, want 4.98 (19.90 PLN at 4.00)", mug.RegularPrice)
	}

	// The next day the later rate applies (a full projection, as the
	// nightly reconcile runs).
	b.now = b.now.AddDate(0, 0, 1)
	b.sync(t)
	mug, _ = b.shop.Product("KUB-1")
	if !mug.RegularPrice.Equal(d("3.98")) { // 19.90 / 5.00
		t.Fatalf("mug price the next day = %v EUR, want 3.98", mug.RegularPrice)
	}

	// Without any EUR rate, prices are parked with the reason.
	b.erp.set(catalogRecords("19.90")...)
	if _, err := Snapshot(t.Context(), b.db, b.erp, SnapshotOptions{MaxRemoveShare: d("1"), Kinds: kinds}); err != nil {
		t.Fatal(err)
	}
	ps, _ := b.sync(t)
	if ps.Parked == 0 || len(ps.Reasons) == 0 || !contains(ps.Reasons, "no positive EUR rate") {
		t.Fatalf("projection without rates = %+v, want prices parked for the missing rate", ps)
	}
	if SnapshotKinds([]*Store{{}}) != nil {
		t.Error("SnapshotKinds asks for rates without a store that uses them")
	}
}

func contains(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
