package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	// The ERP time zone must load on machines without a zoneinfo database
	// (Windows servers next to Comarch).
	_ "time/tzdata"

	"github.com/shopspring/decimal"
)

// validator checks decoded values against each other and against their
// allowed ranges. A value whose decoding failed is not checked again.
type validator struct {
	d *decoder
}

// fail reports a problem at path unless path already has one.
func (v *validator) fail(path, fix, format string, args ...any) {
	if v.d.c.hasFailed(path) {
		return
	}
	v.d.c.add(v.d.at(path), path, fix, format, args...)
}

// oneOf checks that got is one of allowed; what names the value.
func (v *validator) oneOf(path, what, got string, allowed ...string) {
	if !slices.Contains(allowed, got) {
		v.fail(path, oneOfFix(got, allowed), "unknown %s %s", what, quote(got))
	}
}

// share checks that d is within 0..1.
func (v *validator) share(path string, d decimal.Decimal) {
	if d.Sign() < 0 || d.GreaterThan(decimal.NewFromInt(1)) {
		v.fail(path, "write a share between 0 and 1, such as 0.10 for 10%", "%s is not between 0 and 1", d)
	}
}

// notNegative checks that d is zero or more.
func (v *validator) notNegative(path string, d decimal.Decimal) {
	if d.Sign() < 0 {
		v.fail(path, "write zero or a positive number", "must not be negative, got %s", d)
	}
}

func validate(d *decoder, cfg *Config) {
	v := &validator{d: d}
	v.erp(&cfg.ERP)
	v.oneOf("state.driver", "state driver", cfg.State.Driver, "sqlite", "postgres")
	v.http(&cfg.HTTP)
	v.oneOf("log.format", "log format", cfg.Log.Format, "text", "json")
	v.oneOf("log.level", "log level", cfg.Log.Level, "debug", "info", "warn", "error")
	v.stores(cfg.Stores)
}

func (v *validator) erp(e *ERP) {
	v.oneOf("erp.driver", "ERP driver", e.Driver, "sqlserver", "postgres", "mysql", "sqlite")
	if _, err := time.LoadLocation(e.TimeZone); err != nil || e.TimeZone == "" {
		v.fail("erp.timezone", "use an IANA zone name such as Europe/Warsaw", "unknown time zone %s", quote(e.TimeZone))
	}
	v.share("erp.max_remove_share", e.MaxRemoveShare)
}

func (v *validator) http(h *HTTP) {
	if msg := checkListen(h.Listen); msg != "" {
		v.fail("http.listen", "write host:port, such as 127.0.0.1:8080 or :8080", "%s", msg)
	}
	if h.PublicURL != "" {
		u, err := url.Parse(h.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail("http.public_url", "write an absolute URL such as https://hub.example.com", "%s is not an absolute http(s) URL", quote(h.PublicURL))
		}
	}
	if h.MaxBodyBytes <= 0 {
		v.fail("http.max_body_bytes", "write a positive number of bytes, such as 1048576", "must be more than zero")
	}
	v.adminTokens(h.AdminTokens)
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				v.fail(indexPath("http.trusted_proxies", i), "write an IP address or a CIDR range, such as 10.0.0.1 or 10.0.0.0/8",
					"%s is not an IP address or CIDR range", quote(p))
			}
		}
	}
}

// checkListen returns what is wrong with a host:port address, or "".
func checkListen(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%s is not host:port", quote(addr))
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("%s is not a port number (0 to 65535)", quote(port))
	}
	return ""
}

func (v *validator) adminTokens(tokens []AdminToken) {
	names := map[string]int{}
	values := map[string]int{}
	for i, t := range tokens {
		p := indexPath("http.admin_tokens", i)
		v.oneOf(childPath(p, "role"), "role", t.Role, "admin", "read")
		if j, dup := names[t.Name]; dup && t.Name != "" {
			v.fail(childPath(p, "name"), "give every token its own name",
				"duplicate token name %s (first at line %d)", quote(t.Name), v.line(indexPath("http.admin_tokens", j)+".name"))
		} else {
			names[t.Name] = i
		}
		if j, dup := values[t.Token.Reveal()]; dup && t.Token.IsSet() {
			v.fail(childPath(p, "token"), "generate a separate token for each name",
				"token %s has the same value as token %s", quote(t.Name), quote(tokens[j].Name))
		} else {
			values[t.Token.Reveal()] = i
		}
	}
}

// line is the line of the node recorded for path.
func (v *validator) line(path string) int {
	if n := v.d.at(path); n != nil {
		return n.Line
	}
	return 0
}

var storeIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (v *validator) stores(stores []Store) {
	if len(stores) == 0 {
		v.fail("stores", "add at least one store under stores:", "no stores are configured")
		return
	}
	first := map[string]int{}
	for i := range stores {
		s := &stores[i]
		p := indexPath("stores", i)
		idPath := childPath(p, "id")
		switch j, dup := first[s.ID]; {
		case !storeIDPattern.MatchString(s.ID):
			v.fail(idPath, "use 1 to 32 lowercase letters, digits, - and _, starting with a letter or digit", "store id %s is not valid", quote(s.ID))
		case dup:
			v.fail(idPath, "give every store its own id", "duplicate store id %s (first used at line %d)", quote(s.ID), v.line(indexPath("stores", j)+".id"))
		default:
			first[s.ID] = i
		}
		v.notNegative(childPath(p, "rate.requests_per_second"), s.Rate.Requests)
		if s.Rate.Burst < 0 {
			v.fail(childPath(p, "rate.burst"), "write zero or a positive number", "must not be negative, got %d", s.Rate.Burst)
		}
		v.rules(childPath(p, "rules"), &s.Rules)
		v.subset(childPath(p, "orders.customers.match"), "customer match key", s.Orders.Customers.Match, "nip", "email")
	}
}

func (v *validator) rules(p string, r *Rules) {
	v.prices(childPath(p, "prices"), &r.Prices)
	v.stock(childPath(p, "stock"), &r.Stock)
	v.subset(childPath(p, "owned_fields"), "field", r.OwnedFields, "name", "description", "images", "categories", "attributes")
	v.oneOf(childPath(p, "removal"), "removal", r.Removal, "deactivate", "delete")
	v.share(childPath(p, "max_deactivate_share"), r.MaxDeactivateShare)
}

// subset checks that list holds only allowed values, each at most once.
func (v *validator) subset(p, what string, list []string, allowed ...string) {
	seen := map[string]int{}
	for i, s := range list {
		ep := indexPath(p, i)
		if j, dup := seen[s]; dup {
			v.fail(ep, "list each value once", "%s %s is listed twice (first at line %d)", what, quote(s), v.line(indexPath(p, j)))
			continue
		}
		seen[s] = i
		v.oneOf(ep, what, s, allowed...)
	}
}

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	roundingSteps   = []string{"0.01", "0.05", "0.10", "0.99"}
)

func (v *validator) prices(p string, pr *Prices) {
	v.oneOf(childPath(p, "basis"), "price basis", pr.Basis, "gross", "net")
	if !currencyPattern.MatchString(pr.Currency) {
		v.fail(childPath(p, "currency"), "write a three-letter ISO 4217 code such as PLN or EUR", "currency %s is not a three-letter code", quote(pr.Currency))
	}
	if pr.ExchangeRate.Sign() <= 0 {
		v.fail(childPath(p, "exchange_rate"), "write the rate as a positive number, such as 0.23", "exchange rate must be more than zero, got %s", pr.ExchangeRate)
	}
	if pr.MarkupPercent.LessThanOrEqual(decimal.NewFromInt(-100)) {
		v.fail(childPath(p, "markup_percent"), "write a markup above -100, such as 15 or -5", "markup %s%% would make prices zero or negative", pr.MarkupPercent)
	}
	v.rounding(childPath(p, "rounding"), &pr.Rounding)
	v.oneOf(childPath(p, "floor"), "price floor", pr.Floor, "none", "purchase", "minimum")
	v.notNegative(childPath(p, "minimum"), pr.Minimum)
	if pr.Floor == "minimum" && pr.Minimum.Sign() <= 0 {
		v.fail(childPath(p, "minimum"), "set minimum: to the lowest price allowed, or choose another floor", "floor is minimum but minimum is not more than zero")
	}
	if pr.Sale != nil {
		v.sale(childPath(p, "sale"), pr.Sale)
	}
}

// rounding checks the step numerically (0.1 is 0.10) and writes it in its
// canonical form.
func (v *validator) rounding(p string, r *Rounding) {
	if d, err := decimal.NewFromString(r.Step); err == nil {
		for _, s := range roundingSteps {
			if d.Equal(decimal.RequireFromString(s)) {
				r.Step = s
			}
		}
	}
	if !slices.Contains(roundingSteps, r.Step) {
		v.fail(childPath(p, "step"), "use one of: "+strings.Join(roundingSteps, ", "), "unknown rounding step %s", quote(r.Step))
	}
	v.oneOf(childPath(p, "mode"), "rounding mode", r.Mode, "half_up", "half_even")
}

func (v *validator) sale(p string, s *Sale) {
	from, okFrom := v.saleTime(childPath(p, "from"), s.From)
	to, okTo := v.saleTime(childPath(p, "to"), s.To)
	if okFrom && okTo && s.From != "" && s.To != "" && from.After(to) {
		v.fail(childPath(p, "from"), "swap the dates or correct them", "the sale starts (%s) after it ends (%s)", s.From, s.To)
	}
}

// saleTime parses a sale date: YYYY-MM-DD or RFC 3339 ("" is open-ended).
func (v *validator) saleTime(p, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	v.fail(p, "write a date as 2026-12-24 or a time as 2026-12-24T18:00:00+01:00", "%s is not a date", quote(s))
	return time.Time{}, false
}

func (v *validator) stock(p string, s *Stock) {
	wp := childPath(p, "warehouses")
	if len(s.Warehouses) == 0 {
		v.fail(wp, "list the ERP warehouse codes whose stock this store shows, such as [MAG1]", "no warehouses are listed")
	}
	seen := map[string]int{}
	for i, w := range s.Warehouses {
		ep := indexPath(wp, i)
		if j, dup := seen[w]; dup {
			v.fail(ep, "list each warehouse once", "warehouse %s is listed twice (first at line %d)", quote(w), v.line(indexPath(wp, j)))
			continue
		}
		seen[w] = i
		if strings.TrimSpace(w) == "" {
			v.fail(ep, "write the ERP warehouse code", "the warehouse code is empty")
		}
	}
	v.notNegative(childPath(p, "buffer"), s.Buffer)
	v.notNegative(childPath(p, "cap"), s.Cap)
	v.oneOf(childPath(p, "when_zero"), "when_zero value", s.WhenZero, "out_of_stock", "hide", "backorder")
}
