package project

import (
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/store"
)

func TestFromConfig(t *testing.T) {
	t.Parallel()
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	no := false
	sc := config.Store{ID: "b2b", Type: "memory", Rules: config.Rules{
		Prices: config.Prices{List: "hurt", Basis: "net", Currency: "PLN", ExchangeRate: d("1"),
			Rounding: config.Rounding{Step: "0.05", Mode: "half_even"}, Floor: "minimum", Minimum: d("1"),
			Sale: &config.Sale{List: "promo", From: "2026-12-01", To: "2026-12-24"}},
		Stock:       config.Stock{Warehouses: []string{"MAG1"}, SubtractERPReservations: &no, WhenZero: "hide"},
		OwnedFields: []string{"description"},
	}}
	r, err := FromConfig(sc, store.Features{IntegerStock: true, Basis: store.BasisEither}, warsaw)
	if err != nil {
		t.Fatal(err)
	}
	if r.Price.Gross || r.Price.Step != Step005 || r.Price.Mode != HalfEven || r.Price.Floor != FloorMinimum || r.Price.SaleList != "promo" {
		t.Errorf("price rules = %+v", r.Price)
	}
	// Sale days are whole days in the business's zone.
	if want := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC); !r.Price.SaleFrom.Equal(want) {
		t.Errorf("sale from = %v, want %v", r.Price.SaleFrom.UTC(), want)
	}
	if want := time.Date(2026, 12, 24, 23, 0, 0, 0, time.UTC); !r.Price.SaleTo.Equal(want) {
		t.Errorf("sale to = %v, want the end of 24 December, %v", r.Price.SaleTo.UTC(), want)
	}
	if r.Stock.SubtractERPReservations || !r.Stock.Integer || r.Stock.WhenZero != ZeroHide {
		t.Errorf("stock rules = %+v", r.Stock)
	}
	if !r.Scope.OnlyActive || !r.Scope.OnlyEShop {
		t.Errorf("scope defaults = %+v", r.Scope)
	}

	if _, err := FromConfig(sc, store.Features{Basis: store.BasisGross}, warsaw); err == nil || !strings.Contains(err.Error(), "takes gross prices") {
		t.Errorf("net rules on a gross-only platform: err = %v", err)
	}
	erpRate := sc
	erpRate.Rules.Prices.RateFromERP, erpRate.Rules.Prices.HomeCurrency = true, "PLN"
	if r, err := FromConfig(erpRate, store.Features{}, warsaw); err != nil || !r.Price.RateFromERP || r.Price.HomeCurrency != "PLN" {
		t.Errorf("rate_from_erp: rules %+v, err = %v", r.Price, err)
	}
	bad := sc
	bad.Rules.Prices.Sale = &config.Sale{List: "promo", From: "1.12.2026"}
	if _, err := FromConfig(bad, store.Features{}, warsaw); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("bad sale date: err = %v", err)
	}
}
