// Package erpdata generates a deterministic ERP data set for fixtures and
// conformance tests: products with variants, several price types, three
// warehouses, reservations, Polish text, NULLs where Comarch allows them,
// inactive and non-e-shop products, and a second state with changes,
// additions and removals. The same data set is written into every schema
// shape (Comarch Optima, Comarch XL, generic views), and Expected gives the
// catalog records any profile must read back from it.
package erpdata

import (
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Attribute definition ids and codes.
const (
	AttrProducer = 1
	AttrColour   = 2
	AttrSize     = 3
	AttrImageURL = 4
	AttrImage    = 5
	AttrParent   = 6
)

// Attribute codes as the adapter's defaults expect them.
const (
	CodeImageURL = "ZDJECIE_URL"
	CodeImage    = "ZDJECIE"
	CodeParent   = "ERPBRIDGE_PARENT"
)

// Warehouse is a stock location.
type Warehouse struct {
	ID         int
	Code, Name string
}

// PriceType is a price list (Optima DefCeny, XL TwrCenyNag); Lp is its number.
type PriceType struct {
	Lp       int
	Name     string
	Currency string
	Gross    bool
	Active   bool
}

// Group is a product group; ParentID 0 is a root.
type Group struct {
	ID, ParentID int
	Code, Name   string
}

// AttrDef is an attribute definition; Format 5 is binary data.
type AttrDef struct {
	ID     int
	Code   string
	Format int
}

// Attr is one attribute value of a product card.
type Attr struct {
	DefID int
	Value string
}

// Price is one amount of a product card on a price type.
type Price struct {
	Lp     int
	Amount decimal.Decimal
}

// StockRow is one dated stock row of a card in a warehouse. The row with the
// latest date per warehouse is current.
type StockRow struct {
	Date        time.Time
	WarehouseID int
	OnHand      decimal.Decimal
	Reserved    decimal.Decimal
}

// Product is one product card; a card with Parent set is a variant.
type Product struct {
	ID          int
	SKU         string
	Name        string
	Description *string
	EAN         *string
	Unit        string
	VAT         decimal.Decimal
	WeightKG    *decimal.Decimal
	Active      bool
	EShop       bool
	Service     bool
	GroupID     int
	Created     time.Time // ERP local wall time in Zone
	Modified    time.Time
	Parent      string
	Attrs       []Attr
	Image       []byte
	Prices      []Price
	Stock       []StockRow
}

// Dataset is the whole generated ERP content in one state.
type Dataset struct {
	State      int
	Warehouses []Warehouse
	PriceTypes []PriceType
	Groups     []Group
	AttrDefs   []AttrDef
	// Products holds every card (products and variants) ordered by ID.
	Products []Product
}

// Zone is the ERP's local time zone of the data set.
var Zone = mustZone("Europe/Warsaw")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}

// State2Time is when every state-2 change happened (local time, the day
// daylight-saving time starts).
var State2Time = time.Date(2024, 3, 31, 3, 30, 0, 0, Zone)

var state1Base = time.Date(2023, 1, 2, 8, 0, 0, 0, Zone)

var (
	nouns = []string{"Młotek", "Łopata", "Śrubokręt", "Żarówka", "Ćwiek", "Źdźbło", "Gwóźdź", "Piła", "Wąż ogrodowy", "Nóż", "Kłódka", "Imadło"}
	adjs  = []string{"żółty", "ciężki", "świąteczny", "łączony", "źródlany", "ręczny", "nierdzewny", "gięty", "ŚWIETNY", "ŁADNY"}
	units = []string{"szt.", "kg", "m", "opak."}
	vats  = []string{"23.00", "8.00", "5.00", "0.00"}
	sizes = []string{"S", "M", "L"}
)

// Generate returns the data set with n base products in state 1 or 2,
// all cards in memory: for tests. Loaders of large data sets use Statics
// and Each instead.
func Generate(n, state int) *Dataset {
	ds := Statics(state)
	_ = Each(n, state, func(p Product) error {
		ds.Products = append(ds.Products, p)
		return nil
	})
	return ds
}

// Statics returns the data set without its product cards.
func Statics(state int) *Dataset {
	return &Dataset{
		State: state,
		Warehouses: []Warehouse{
			{1, "MAG", "Magazyn główny"}, {2, "SKLEP", "Sklep Łódź"}, {3, "HURT", "Hurtownia Żórawina"},
		},
		PriceTypes: []PriceType{
			{1, "detaliczna", "PLN", true, true},
			{2, "hurtowa", "PLN", false, true},
			{3, "eksport", "EUR", false, true},
			{4, "archiwalna", "PLN", false, false},
		},
		Groups: []Group{
			{1, 0, "NARZ", "Narzędzia"}, {2, 1, "NARZ_R", "Ręczne"}, {3, 1, "NARZ_E", "Elektryczne"},
			{4, 0, "OGR", "Ogród"}, {5, 4, "OGR_N", "Nasiona i źdźbła"}, {6, 0, "LAZ", "Łazienka"},
		},
		AttrDefs: []AttrDef{
			{AttrProducer, "PRODUCENT", 1}, {AttrColour, "KOLOR", 1}, {AttrSize, "ROZMIAR", 1},
			{AttrImageURL, CodeImageURL, 1}, {AttrImage, CodeImage, 5}, {AttrParent, CodeParent, 1},
		},
	}
}

// Last is the highest base product number of the data set with n base
// products in state (state 2 adds products after n).
func Last(n, state int) int {
	if state == 2 {
		return n + max(2, n/10)
	}
	return n
}

// Cards returns base product i's card and its variant cards in the data set
// with n base products in state, ordered by ID; nil when i is not there.
func Cards(i, n, state int) []Product {
	if i < 1 || i > Last(n, state) || (state == 2 && i <= n && i%17 == 5) {
		return nil
	}
	cards := product(i)
	if state == 2 {
		for c := range cards {
			applyState2(&cards[c], i, n)
		}
	}
	return cards
}

// Each calls fn with every card of the data set, ordered by ID, without
// holding them all in memory.
func Each(n, state int, fn func(Product) error) error {
	for i := 1; i <= Last(n, state); i++ {
		for _, c := range Cards(i, n, state) {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ean13(i int) string {
	base := fmt.Sprintf("590%09d", i)
	sum := 0
	for k, ch := range base {
		d := int(ch - '0')
		if k%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return base + fmt.Sprint((10-sum%10)%10)
}

// pngBytes is a small deterministic PNG-signed blob for product i.
func pngBytes(i int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for k := 0; k < 48; k++ {
		b = append(b, byte((i*31+k*7)%251))
	}
	return b
}

// product returns product i's card and its variant cards.
func product(i int) []Product {
	p := Product{
		ID:      i * 10,
		SKU:     fmt.Sprintf("TWR-%06d", i),
		Name:    fmt.Sprintf("%s %s %d", nouns[i%len(nouns)], adjs[(i/3)%len(adjs)], i),
		Unit:    units[i%4],
		VAT:     dec(vats[(i/4)%4]),
		Active:  i%7 != 0,
		EShop:   i%6 != 0,
		Service: i%13 == 0,
	}
	if i == 1 {
		p.Name = "Zażółć gęślą jaźń ĄĆĘŁŃÓŚŹŻ"
	}
	if i%3 != 0 {
		d := fmt.Sprintf("Opis produktu nr %d: wytrzymały, łatwy w użyciu.\nDruga linia — „cudzysłów” i 100%% jakości.", i)
		p.Description = &d
	}
	if i%4 != 0 {
		e := ean13(i)
		p.EAN = &e
	}
	if i%5 != 0 {
		w := decimal.NewFromInt(int64(i % 37)).Add(dec("0.25"))
		p.WeightKG = &w
	}
	if i%11 != 0 {
		p.GroupID = []int{2, 3, 5, 6, 1, 4}[i%6]
	}
	p.Modified = state1Base.Add(time.Duration((i*7919)%10000) * time.Hour)
	p.Created = p.Modified.Add(-30 * 24 * time.Hour)
	if i%2 == 0 {
		p.Attrs = append(p.Attrs, Attr{AttrProducer, []string{"Fabryka Łódź Sp. z o.o.", "ŻUK S.A."}[(i/2)%2]})
	}
	if i%3 == 1 {
		p.Attrs = append(p.Attrs, Attr{AttrColour, []string{"czerwony", "zielony", "źółty"}[i%3]})
	}
	switch i % 4 {
	case 1:
		p.Attrs = append(p.Attrs, Attr{AttrImageURL, fmt.Sprintf("https://img.example.pl/twr-%06d.jpg", i)})
	case 2:
		p.Image = pngBytes(i)
	}
	if !p.Service {
		p.Prices = prices(i, decimal.Zero)
		p.Stock = stock(i, p.Unit, p.Modified)
	}
	cards := []Product{p}
	if i%10 == 0 && !p.Service {
		for k, size := range sizes {
			v := Product{
				ID: p.ID + k + 1, SKU: p.SKU + "-" + size, Name: p.Name + " rozm. " + size,
				Unit: p.Unit, VAT: p.VAT, Active: p.Active, EShop: p.EShop, GroupID: p.GroupID,
				Created: p.Created, Modified: p.Modified, Parent: p.SKU,
				Attrs:  []Attr{{AttrParent, p.SKU}, {AttrSize, size}},
				Prices: prices(i, decimal.NewFromInt(int64(k+1))),
				Stock:  stock(i+k+1, p.Unit, p.Modified),
			}
			cards = append(cards, v)
		}
	}
	return cards
}

func prices(i int, plus decimal.Decimal) []Price {
	retail := decimal.NewFromInt(int64(1000 + (i*137)%9000)).Div(decimal.NewFromInt(100)).Add(plus)
	ps := []Price{
		{1, retail},
		{2, retail.Mul(dec("0.7")).Round(2)},
	}
	if i%2 == 0 {
		ps = append(ps, Price{3, retail.Div(dec("4.3")).Round(2)})
	}
	return ps
}

func stock(i int, unit string, at time.Time) []StockRow {
	var rows []StockRow
	for w := 1; w <= 3; w++ {
		if w == 3 && i%3 == 0 {
			continue
		}
		on := decimal.NewFromInt(int64((i*7 + w*3) % 50))
		if unit == "kg" {
			on = on.Add(dec("0.5"))
		}
		res := decimal.NewFromInt(int64((i + w) % 4))
		if res.GreaterThan(on) {
			res = on
		}
		// An older row that is no longer current, then the current one.
		rows = append(rows,
			StockRow{Date: at.Add(-10 * 24 * time.Hour), WarehouseID: w, OnHand: on.Add(dec("3")), Reserved: decimal.Zero},
			StockRow{Date: at, WarehouseID: w, OnHand: on, Reserved: res},
		)
	}
	return rows
}

// applyState2 changes card c of base product i (n base products) for state 2.
func applyState2(c *Product, i, n int) {
	if i > n {
		c.Created, c.Modified = State2Time, State2Time
		for k := range c.Stock {
			c.Stock[k].Date = State2Time.Add(-time.Duration(len(c.Stock)-k) * time.Minute)
		}
		return
	}
	if c.Parent == "" && i%9 == 1 {
		c.Name += " (nowość)"
		c.Modified = State2Time
	}
	if i%5 == 2 {
		for k := range c.Prices {
			c.Prices[k].Amount = c.Prices[k].Amount.Add(dec("1.11"))
		}
	}
	if i%4 == 3 && len(c.Stock) > 0 {
		cur := c.Stock[1] // warehouse 1's current row
		cur.Date = State2Time
		cur.OnHand = cur.OnHand.Add(dec("5"))
		c.Stock = append(c.Stock, cur)
	}
}

// Current returns the card's current stock rows, one per warehouse.
func (p Product) Current() []StockRow {
	latest := map[int]StockRow{}
	for _, r := range p.Stock {
		if cur, ok := latest[r.WarehouseID]; !ok || r.Date.After(cur.Date) {
			latest[r.WarehouseID] = r
		}
	}
	out := make([]StockRow, 0, len(latest))
	for _, r := range latest {
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].WarehouseID < out[b].WarehouseID })
	return out
}

// XLAllWarehousesReserved is the quantity of the card's Comarch XL
// reservation for all warehouses (Rez_MagNumer 0), which counts as reserved in
// every warehouse; zero when it has none. Optima has no such reservation.
func (p Product) XLAllWarehousesReserved() decimal.Decimal {
	if len(p.Stock) > 0 && p.ID%40 == 20 {
		return decimal.NewFromInt(1)
	}
	return decimal.Zero
}

// AttrValue returns the card's value of attribute def and whether it has one.
func (p Product) AttrValue(def int) (string, bool) {
	for _, a := range p.Attrs {
		if a.DefID == def {
			return a.Value, true
		}
	}
	return "", false
}

// Changed returns the SKUs of base products (not variants) that state 2
// changed or added, as a delta read must return them.
func Changed(s1, s2 *Dataset) []string {
	old := map[int]Product{}
	for _, p := range s1.Products {
		old[p.ID] = p
	}
	var out []string
	for _, p := range s2.Products {
		if p.Parent != "" {
			continue
		}
		o, ok := old[p.ID]
		if !ok || !o.Modified.Equal(p.Modified) {
			out = append(out, p.SKU)
		}
	}
	return out
}
