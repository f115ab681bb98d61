// Package normalize turns a shop's order into one ready for the ERP: lines
// mapped to ERP products by SKU, then EAN; shipping and payment methods
// mapped to ERP codes; the customer classified and matched (NIP, e-mail or
// the store's one-off retail customer); and an explicit rounding line when
// the shop's total differs from its line sums. It is pure and links no
// database driver, so that its fuzz target runs at full speed.
package normalize

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// RoundingSKU is the SKU of the explicit line that carries the difference
// between the shop's total and its line sums plus shipping. The ERP-side
// importer books it as a rounding difference, not as a product.
const RoundingSKU = "ERPBRIDGE-ROUNDING"

// Customer match keys of orders.customers.match.
const (
	MatchNIP    = "nip"
	MatchEmail  = "email"
	MatchRetail = "retail"
)

// Rules are one store's order mapping rules, taken from its config
// (stores[].orders).
type Rules struct {
	// Store is the store's id; it goes on the order and in every reason.
	Store string
	// ShippingMap and PaymentMap map the shop's method ids to ERP codes
	// (orders.shipping_map, orders.payment_map).
	ShippingMap map[string]string
	PaymentMap  map[string]string
	// Match is the order in which customer keys are tried
	// (orders.customers.match: nip, email).
	Match []string
	// RetailCustomer is the ERP code of the one-off retail customer
	// (orders.customers.retail_customer); "" when none.
	RetailCustomer string
}

// Products tells which SKUs are ERP products and finds them by EAN. Build
// one from the mirror with LoadProducts.
type Products struct {
	skus map[string]struct{}
	eans map[string]string
}

// NewProducts returns an index of ERP products from SKU → EAN pairs (EAN
// may be empty). An EAN shared by two SKUs finds neither.
func NewProducts(eanBySKU map[string]string) *Products {
	p := &Products{skus: map[string]struct{}{}, eans: map[string]string{}}
	ambiguous := map[string]bool{}
	for sku, ean := range eanBySKU {
		p.skus[sku] = struct{}{}
		if ean == "" {
			continue
		}
		if prev, ok := p.eans[ean]; ok && prev != sku {
			ambiguous[ean] = true
		}
		p.eans[ean] = sku
	}
	for ean := range ambiguous {
		delete(p.eans, ean)
	}
	return p
}

// Resolve returns the ERP SKU for a line sold as sku with ean: sku itself
// when the ERP has it, else the ERP product with that EAN.
func (p *Products) Resolve(sku, ean string) (string, bool) {
	if _, ok := p.skus[sku]; ok && sku != "" {
		return sku, true
	}
	if ean != "" {
		if s, ok := p.eans[ean]; ok {
			return s, true
		}
	}
	return "", false
}

// Normalized is an order ready for the ERP: lines carry ERP SKUs, shipping
// and payment methods carry ERP codes, the customer is classified, and a
// rounding line makes the lines add up to the shop's total.
type Normalized struct {
	// Order is the normalized order; its Customer.MatchKey says how the ERP
	// finds the customer (MatchNIP, MatchEmail or MatchRetail) and
	// Customer.RetailCustomer, for MatchRetail, the retail customer's code.
	Order catalog.Order
	// Rounding is the amount of the rounding line (zero when none).
	Rounding decimal.Decimal
}

// ParkError is a normalization failure an operator must fix (unknown SKU,
// unmapped method); the order is parked with its message.
type ParkError struct{ Reason string }

func (e *ParkError) Error() string { return e.Reason }

func park(format string, args ...any) error { return &ParkError{Reason: fmt.Sprintf(format, args...)} }

// maxRoundingPerLine bounds the difference between the shop's total and its
// line sums that counts as rounding: one cent per line and for shipping. A
// larger difference is a discount or fee the hub does not model; the order
// is parked rather than booked with a wrong total.
var maxRoundingPerLine = decimal.New(1, -2)

// Normalize maps a parsed shop order to the ERP's terms by rules and
// products. It never changes the shop's totals; a difference from the line
// sums becomes an explicit RoundingSKU line. A failure is a *ParkError naming
// what is wrong and the config key that fixes it. It does not panic on any
// input.
func Normalize(o catalog.Order, r Rules, p *Products) (Normalized, error) {
	o.Store = r.Store
	if strings.TrimSpace(o.ShopOrderID) == "" {
		return Normalized{}, park("order has no shop order id")
	}
	cur := strings.ToUpper(strings.TrimSpace(o.Currency))
	if len(cur) != 3 || strings.IndexFunc(cur, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
		return Normalized{}, park("currency %q is not an ISO 4217 code", o.Currency)
	}
	o.Currency = cur
	if len(o.Lines) == 0 {
		return Normalized{}, park("order has no lines")
	}
	if p == nil {
		p = NewProducts(nil)
	}
	lines := make([]catalog.OrderLine, 0, len(o.Lines)+1)
	for i, l := range o.Lines {
		if !l.Quantity.IsPositive() {
			return Normalized{}, park("line %d (SKU %q): quantity %s is not positive", i+1, l.SKU, l.Quantity)
		}
		sku, ok := p.Resolve(strings.TrimSpace(l.SKU), strings.TrimSpace(l.EAN))
		if !ok {
			if l.EAN != "" {
				return Normalized{}, park("line %d: SKU %q (EAN %q) is not an ERP product", i+1, l.SKU, l.EAN)
			}
			return Normalized{}, park("line %d: SKU %q is not an ERP product", i+1, l.SKU)
		}
		l.SKU = sku
		lines = append(lines, l)
	}
	if o.Shipping.Cost.IsNegative() {
		return Normalized{}, park("shipping cost %s is negative", o.Shipping.Cost)
	}
	if m := strings.TrimSpace(o.Shipping.Method); m != "" {
		code, ok := r.ShippingMap[m]
		if !ok {
			return Normalized{}, park("shipping method %q is not mapped: add it to stores[%s].orders.shipping_map", m, r.Store)
		}
		o.Shipping.Method = code
	}
	if m := strings.TrimSpace(o.Payment.Method); m != "" {
		code, ok := r.PaymentMap[m]
		if !ok {
			return Normalized{}, park("payment method %q is not mapped: add it to stores[%s].orders.payment_map", m, r.Store)
		}
		o.Payment.Method = code
	}
	n := Normalized{}
	var err error
	o.Customer, err = matchCustomer(o.Customer, r)
	if err != nil {
		return Normalized{}, err
	}
	o.Lines = lines
	diff := o.Total.Sub(o.LinesTotal())
	if !diff.IsZero() {
		limit := maxRoundingPerLine.Mul(decimal.NewFromInt(int64(len(lines) + 1)))
		if diff.Abs().GreaterThan(limit) {
			return Normalized{}, park("shop total %s differs from lines plus shipping %s by %s, more than rounding (a discount or fee the hub does not model)",
				o.Total, o.LinesTotal(), diff)
		}
		o.Lines = append(o.Lines, catalog.OrderLine{
			SKU: RoundingSKU, Name: "Rounding difference", Quantity: decimal.NewFromInt(1),
			UnitPrice: diff, VATRate: dominantVAT(lines), Total: diff,
		})
		n.Rounding = diff
	}
	n.Order = o
	return n, nil
}

// dominantVAT is the VAT rate of the lines' largest total.
func dominantVAT(lines []catalog.OrderLine) decimal.Decimal {
	best := -1
	for i, l := range lines {
		if best < 0 || l.Total.GreaterThan(lines[best].Total) {
			best = i
		}
	}
	if best < 0 {
		return decimal.Zero
	}
	return lines[best].VATRate
}

// matchCustomer classifies the customer by the store's match order: a
// company by its NIP, a person by e-mail, else the retail customer. It sets
// MatchKey and RetailCustomer, clearing what the shop sent there.
func matchCustomer(c catalog.Customer, r Rules) (catalog.Customer, error) {
	c.MatchKey, c.RetailCustomer = "", ""
	if c.NIP != "" {
		country, digits, err := cleanNIP(c.NIP, c.NIPCountry)
		if err != nil {
			return c, err
		}
		c.NIP, c.NIPCountry = digits, country
	}
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if c.NIP != "" {
		c.Kind = catalog.CustomerCompany
	} else if c.Kind == "" || c.Kind == catalog.CustomerCompany {
		c.Kind = catalog.CustomerPerson
	}
	match := r.Match
	if len(match) == 0 {
		match = []string{MatchNIP, MatchEmail}
	}
	for _, m := range match {
		switch m {
		case MatchNIP:
			if c.NIP != "" {
				c.MatchKey = MatchNIP
				return c, nil
			}
		case MatchEmail:
			if c.Email != "" && strings.Contains(c.Email, "@") {
				c.MatchKey = MatchEmail
				return c, nil
			}
		}
	}
	if c.Kind == catalog.CustomerPerson && r.RetailCustomer != "" {
		c.MatchKey, c.RetailCustomer = MatchRetail, r.RetailCustomer
		return c, nil
	}
	tried := append([]string(nil), match...)
	sort.Strings(tried)
	if c.Kind == catalog.CustomerCompany {
		return c, park("company customer cannot be matched by %s: add nip to stores[%s].orders.customers.match", strings.Join(tried, ", "), r.Store)
	}
	return c, park("customer has no key of stores[%s].orders.customers.match (%s) and stores[%s].orders.customers.retail_customer is not set",
		r.Store, strings.Join(tried, ", "), r.Store)
}

// cleanNIP returns a tax number's country prefix and its digits. A Polish
// number (no prefix or PL) must have 10 digits and a valid check digit.
func cleanNIP(raw, country string) (string, string, error) {
	s := strings.ToUpper(strings.TrimSpace(raw))
	var prefix strings.Builder
	for len(s) > 0 && s[0] >= 'A' && s[0] <= 'Z' && prefix.Len() < 2 {
		prefix.WriteByte(s[0])
		s = s[1:]
	}
	var digits strings.Builder
	for _, c := range s {
		switch {
		case unicode.IsDigit(c) && c < 128:
			digits.WriteRune(c)
		case c == '-' || c == ' ' || c == '.':
		default:
			if prefix.Len() == 0 || prefix.String() == "PL" {
				return "", "", park("NIP %q contains %q", raw, c)
			}
			digits.WriteRune(c)
		}
	}
	cc := strings.ToUpper(strings.TrimSpace(country))
	if prefix.Len() == 2 {
		cc = prefix.String()
	} else if prefix.Len() == 1 {
		return "", "", park("NIP %q has a one-letter prefix", raw)
	}
	d := digits.String()
	if cc == "" || cc == "PL" {
		if !validPolishNIP(d) {
			return "", "", park("NIP %q is not a valid Polish tax number (10 digits with a check digit)", raw)
		}
		if cc == "PL" {
			cc = ""
		}
	} else if d == "" {
		return "", "", park("NIP %q has no number after its country prefix", raw)
	}
	return cc, d, nil
}

// validPolishNIP checks the NIP's length and check digit.
func validPolishNIP(d string) bool {
	if len(d) != 10 {
		return false
	}
	weights := [9]int{6, 5, 7, 2, 3, 4, 5, 6, 7}
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return sum%11 != 10 && sum%11 == int(d[9]-'0')
}
