package vendure

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// realServer returns the URL of a running Vendure server (scripts/vendure/run.sh
// start) or skips the test.
func realServer(t *testing.T) string {
	t.Helper()
	u := os.Getenv("ERPBRIDGE_TEST_VENDURE")
	if u == "" {
		t.Skip("set ERPBRIDGE_TEST_VENDURE to a Vendure server's URL (scripts/vendure/run.sh start prints it) to run the real-server tests")
	}
	return strings.TrimRight(u, "/")
}

func realCreds() (string, string) {
	user, pass := os.Getenv("VENDURE_SUPERADMIN_USER"), os.Getenv("VENDURE_SUPERADMIN_PASS")
	if user == "" {
		user = "superadmin"
	}
	if pass == "" {
		pass = "superadmin"
	}
	return user, pass
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// adminClient is a logged-in Admin API client for the test's own calls.
func adminClient(t *testing.T, base string) *client {
	user, pass := realCreds()
	return &client{hc: &http.Client{Timeout: 30 * time.Second}, endpoint: base + "/admin-api", username: user, password: pass, log: testLogger(t)}
}

func gql(t *testing.T, c *client, query string, vars map[string]any, out any) {
	t.Helper()
	if err := c.call(context.Background(), "test", query, vars, out); err != nil {
		t.Fatalf("admin api: %v\nquery: %s", err, query)
	}
}

// setupChannel does Vendure's one-time channel setup when it is not done
// yet: Poland as country and zone, PLN with prices including tax, a 23% tax
// rate, a courier shipping method and the dummy payment method.
func setupChannel(t *testing.T, c *client) {
	t.Helper()
	var st struct {
		ActiveChannel struct {
			ID                  string `json:"id"`
			DefaultCurrencyCode string `json:"defaultCurrencyCode"`
			PricesIncludeTax    bool   `json:"pricesIncludeTax"`
			DefaultTaxZone      *struct {
				ID string `json:"id"`
			} `json:"defaultTaxZone"`
		} `json:"activeChannel"`
		Countries struct {
			Items []struct{ ID, Code string } `json:"items"`
		} `json:"countries"`
		Zones struct {
			Items []struct{ ID, Name string } `json:"items"`
		} `json:"zones"`
		TaxCategories struct {
			Items []struct{ ID, Name string } `json:"items"`
		} `json:"taxCategories"`
		TaxRates struct {
			Items []struct{ ID, Name string } `json:"items"`
		} `json:"taxRates"`
		ShippingMethods struct {
			Items []struct{ ID, Code string } `json:"items"`
		} `json:"shippingMethods"`
		PaymentMethods struct {
			Items []struct{ ID, Code string } `json:"items"`
		} `json:"paymentMethods"`
	}
	gql(t, c, `{
  activeChannel { id defaultCurrencyCode pricesIncludeTax defaultTaxZone { id } }
  countries(options: { filter: { code: { eq: "PL" } } }) { items { id code } }
  zones(options: { filter: { name: { eq: "Poland" } } }) { items { id name } }
  taxCategories(options: { filter: { name: { eq: "VAT 23" } } }) { items { id name } }
  taxRates(options: { filter: { name: { eq: "VAT 23 PL" } } }) { items { id name } }
  shippingMethods(options: { filter: { code: { eq: "courier" } } }) { items { id code } }
  paymentMethods(options: { filter: { code: { eq: "dummy" } } }) { items { id code } }
}`, nil, &st)
	var countryID, zoneID, catID string
	if len(st.Countries.Items) > 0 {
		countryID = st.Countries.Items[0].ID
	} else {
		var out struct {
			CreateCountry struct{ ID string } `json:"createCountry"`
		}
		gql(t, c, `mutation { createCountry(input: { code: "PL", enabled: true, translations: [{ languageCode: en, name: "Poland" }] }) { id } }`, nil, &out)
		countryID = out.CreateCountry.ID
	}
	if len(st.Zones.Items) > 0 {
		zoneID = st.Zones.Items[0].ID
	} else {
		var out struct {
			CreateZone struct{ ID string } `json:"createZone"`
		}
		gql(t, c, `mutation($m: [ID!]) { createZone(input: { name: "Poland", memberIds: $m }) { id } }`, map[string]any{"m": []string{countryID}}, &out)
		zoneID = out.CreateZone.ID
	}
	ac := st.ActiveChannel
	if ac.DefaultTaxZone == nil || ac.DefaultTaxZone.ID != zoneID || ac.DefaultCurrencyCode != "PLN" || !ac.PricesIncludeTax {
		var out struct {
			UpdateChannel unionResult `json:"updateChannel"`
		}
		gql(t, c, `mutation($id: ID!, $z: ID!) { updateChannel(input: {
  id: $id, defaultTaxZoneId: $z, defaultShippingZoneId: $z,
  defaultCurrencyCode: PLN, availableCurrencyCodes: [PLN], pricesIncludeTax: true
}) { __typename ... on Channel { id } ... on ErrorResult { errorCode message } } }`, map[string]any{"id": ac.ID, "z": zoneID}, &out)
		if out.UpdateChannel.ErrorCode != "" {
			t.Fatalf("updateChannel: %s %s", out.UpdateChannel.ErrorCode, out.UpdateChannel.Message)
		}
	}
	if len(st.TaxCategories.Items) > 0 {
		catID = st.TaxCategories.Items[0].ID
	} else {
		var out struct {
			CreateTaxCategory struct{ ID string } `json:"createTaxCategory"`
		}
		gql(t, c, `mutation { createTaxCategory(input: { name: "VAT 23", isDefault: true }) { id } }`, nil, &out)
		catID = out.CreateTaxCategory.ID
	}
	if len(st.TaxRates.Items) == 0 {
		gql(t, c, `mutation($c: ID!, $z: ID!) { createTaxRate(input: { name: "VAT 23 PL", enabled: true, value: 23, categoryId: $c, zoneId: $z }) { id } }`,
			map[string]any{"c": catID, "z": zoneID}, nil)
	}
	if len(st.ShippingMethods.Items) == 0 {
		gql(t, c, `mutation { createShippingMethod(input: {
  code: "courier", fulfillmentHandler: "manual-fulfillment",
  checker: { code: "default-shipping-eligibility-checker", arguments: [{ name: "orderMinimum", value: "0" }] },
  calculator: { code: "default-shipping-calculator", arguments: [
    { name: "rate", value: "1500" }, { name: "includesTax", value: "include" }, { name: "taxRate", value: "23" } ] },
  translations: [{ languageCode: en, name: "Courier", description: "" }]
}) { id } }`, nil, nil)
	}
	if len(st.PaymentMethods.Items) == 0 {
		gql(t, c, `mutation { createPaymentMethod(input: {
  code: "dummy", enabled: true,
  handler: { code: "dummy-payment-handler", arguments: [{ name: "automaticSettle", value: "true" }] },
  translations: [{ languageCode: en, name: "Dummy" }]
}) { id } }`, nil, nil)
	}
}

// shopSession is a customer's session on the Shop API.
type shopSession struct {
	url   string
	token string
}

func (s *shopSession) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/shop-api", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("shop api: %w", err)
	}
	defer resp.Body.Close()
	if tok := resp.Header.Get("vendure-auth-token"); tok != "" {
		s.token = tok
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("shop api: %w", err)
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || len(env.Errors) > 0 {
		return fmt.Errorf("shop api: HTTP %d %s", resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(env.Data, out)
	}
	return nil
}

// mutate runs a Shop API mutation whose answer is a union under key and
// fails unless it is an Order.
func (s *shopSession) mutate(ctx context.Context, key, query string, vars map[string]any) (unionResult, error) {
	var out map[string]unionResult
	if err := s.do(ctx, query, vars, &out); err != nil {
		return unionResult{}, err
	}
	r := out[key]
	if r.Typename != "Order" {
		return r, fmt.Errorf("shop api %s: %s %s %s", key, r.Typename, r.ErrorCode, r.Message)
	}
	return r, nil
}

// checkoutLine is one line to buy.
type checkoutLine struct {
	variantID string
	qty       int64
}

// checkout buys lines through the Shop API as a guest and returns the order's
// id. The order is paid with the dummy handler (settled at once).
func checkout(ctx context.Context, base string, lines []checkoutLine, c catalog.Customer, a catalog.Address) (string, error) {
	s := &shopSession{url: base}
	for _, l := range lines {
		if _, err := s.mutate(ctx, "addItemToOrder", `mutation($v: ID!, $q: Int!) { addItemToOrder(productVariantId: $v, quantity: $q) {
  __typename ... on Order { id state } ... on ErrorResult { errorCode message } } }`, map[string]any{"v": l.variantID, "q": l.qty}); err != nil {
			return "", err
		}
	}
	if _, err := s.mutate(ctx, "setCustomerForOrder", `mutation($i: CreateCustomerInput!) { setCustomerForOrder(input: $i) {
  __typename ... on Order { id } ... on ErrorResult { errorCode message } } }`,
		map[string]any{"i": map[string]any{"emailAddress": c.Email, "firstName": c.FirstName, "lastName": c.LastName}}); err != nil {
		return "", err
	}
	addr := map[string]any{"fullName": a.Name, "company": a.Company, "streetLine1": a.Street, "city": a.City,
		"postalCode": a.PostalCode, "countryCode": a.Country, "phoneNumber": a.Phone}
	for _, m := range []string{"setOrderShippingAddress", "setOrderBillingAddress"} {
		if _, err := s.mutate(ctx, m, `mutation($a: CreateAddressInput!) { `+m+`(input: $a) {
  __typename ... on Order { id } ... on ErrorResult { errorCode message } } }`, map[string]any{"a": addr}); err != nil {
			return "", err
		}
	}
	var methods struct {
		EligibleShippingMethods []struct{ ID, Code string } `json:"eligibleShippingMethods"`
	}
	if err := s.do(ctx, `{ eligibleShippingMethods { id code } }`, nil, &methods); err != nil {
		return "", err
	}
	methodID := ""
	for _, m := range methods.EligibleShippingMethods {
		if m.Code == "courier" {
			methodID = m.ID
		}
	}
	if methodID == "" {
		return "", fmt.Errorf("no courier shipping method among %+v", methods.EligibleShippingMethods)
	}
	if _, err := s.mutate(ctx, "setOrderShippingMethod", `mutation($m: [ID!]!) { setOrderShippingMethod(shippingMethodId: $m) {
  __typename ... on Order { id } ... on ErrorResult { errorCode message } } }`, map[string]any{"m": []string{methodID}}); err != nil {
		return "", err
	}
	if _, err := s.mutate(ctx, "transitionOrderToState", `mutation { transitionOrderToState(state: "ArrangingPayment") {
  __typename ... on Order { id state } ... on ErrorResult { errorCode message } } }`, nil); err != nil {
		return "", err
	}
	r, err := s.mutate(ctx, "addPaymentToOrder", `mutation { addPaymentToOrder(input: { method: "dummy", metadata: {} }) {
  __typename ... on Order { id code state } ... on ErrorResult { errorCode message } } }`, nil)
	if err != nil {
		return "", err
	}
	if r.State != "PaymentSettled" {
		return "", fmt.Errorf("order %s is %s after payment, want PaymentSettled", r.ID, r.State)
	}
	return r.ID, nil
}

// placeOrder buys qty of the variant through the Shop API.
func placeOrder(t *testing.T, base, variantID string, qty int64) string {
	t.Helper()
	id, err := checkout(context.Background(), base, []checkoutLine{{variantID, qty}},
		catalog.Customer{Email: "jan.kowalski@example.com", FirstName: "Jan", LastName: "Kowalski"},
		catalog.Address{Name: "Jan Kowalski", Street: "ul. Prosta 1", City: "Warszawa", PostalCode: "00-001", Country: "PL", Phone: "+48123456789"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func randomTag(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func newRealStore(t *testing.T, base string) *Store {
	t.Helper()
	user, pass := realCreds()
	st, err := New(context.Background(), store.Params{
		StoreID:     "vendure-real",
		Connection:  &Connection{URL: base, EANCustomField: "ean"},
		Credentials: &Credentials{Username: user, Password: pass, WebhookSecret: "real-test-secret"},
		Logger:      testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(*Store)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestVendureRealServer runs the adapter against a real Vendure server: an
// end-to-end story (push, read back, order through the Shop API, poll,
// parse, ship with tracking) and the store conformance suite.
func TestVendureRealServer(t *testing.T) {
	base := realServer(t)
	admin := adminClient(t, base)
	setupChannel(t, admin)
	t.Run("EndToEnd", func(t *testing.T) { testEndToEnd(t, base, admin) })
	t.Run("Conformance", func(t *testing.T) { runConformance(t, base, admin) })
	t.Run("Webhooks", func(t *testing.T) { testServerWebhooks(t, base) })
}

// testServerWebhooks receives the order webhooks scripts/vendure/server.js
// sends and checks them with the adapter. It needs the server started with
// ERPBRIDGE_WEBHOOK_URL=http://$ERPBRIDGE_TEST_VENDURE_WEBHOOK/... and
// ERPBRIDGE_WEBHOOK_SECRET equal to ERPBRIDGE_TEST_VENDURE_WEBHOOK_SECRET.
func testServerWebhooks(t *testing.T, base string) {
	addr, secret := os.Getenv("ERPBRIDGE_TEST_VENDURE_WEBHOOK"), os.Getenv("ERPBRIDGE_TEST_VENDURE_WEBHOOK_SECRET")
	if addr == "" || secret == "" {
		t.Skip("set ERPBRIDGE_TEST_VENDURE_WEBHOOK (host:port the server's ERPBRIDGE_WEBHOOK_URL points at) and ERPBRIDGE_TEST_VENDURE_WEBHOOK_SECRET to test the server's webhooks")
	}
	type delivery struct {
		h    http.Header
		body []byte
	}
	got := make(chan delivery, 64)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- delivery{r.Header.Clone(), body}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	user, pass := realCreds()
	st, err := New(context.Background(), store.Params{
		StoreID:     "vendure-webhooks",
		Connection:  &Connection{URL: base, EANCustomField: "ean"},
		Credentials: &Credentials{Username: user, Password: pass, WebhookSecret: secret},
		Logger:      testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*Store)
	sku := "WH" + randomTag(t)
	res, err := s.Push(context.Background(), []store.Item{
		{Kind: catalog.KindProduct, SKU: sku, Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: sku, Name: "Webhook mug", VATRate: dec("23"), Active: true}},
		{Kind: catalog.KindPrice, SKU: sku, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: sku, Currency: "PLN", Gross: true, Regular: dec("12.34")}},
		{Kind: catalog.KindStock, SKU: sku, Op: store.OpUpsert, Doc: &store.StockDoc{SKU: sku, Quantity: dec("5")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("push %s: %v", r.Kind, r.Err)
		}
	}
	vs, err := (&pusher{s: s}).variantsBySKU(context.Background(), []string{sku})
	if err != nil || len(vs[sku]) != 1 {
		t.Fatalf("variant of %s: %v %v", sku, vs, err)
	}
	orderID := placeOrder(t, base, vs[sku][0].ID, 1)

	deadline := time.After(30 * time.Second)
	for {
		select {
		case d := <-got:
			if err := s.VerifyWebhook(d.h, d.body); err != nil {
				t.Fatalf("delivery %s: %v", d.h.Get(headerEvent), err)
			}
			w, err := s.ParseWebhook(d.h, d.body)
			if err != nil {
				t.Fatalf("parse delivery: %v", err)
			}
			if w.ShopOrderID != orderID || d.h.Get(headerEvent) != "order.placed" {
				continue
			}
			o, err := s.ParseOrder(w.Raw)
			if err != nil {
				t.Fatalf("parse webhook order: %v", err)
			}
			if w.Kind != store.WebhookOrder || w.EventID == "" || len(o.Lines) != 1 || o.Lines[0].SKU != sku ||
				!o.Lines[0].UnitPrice.Equal(dec("12.34")) || o.Currency != "PLN" || o.Status != catalog.StatusProcessing {
				t.Errorf("order.placed delivery: %+v → %+v", w, o)
			}
			tampered := append([]byte(" "), d.body...)
			if err := s.VerifyWebhook(d.h, tampered); !errors.Is(err, store.ErrSignatureInvalid) {
				t.Errorf("tampered delivery: %v", err)
			}
			return
		case <-deadline:
			t.Fatalf("no order.placed delivery for order %s within 30 s", orderID)
		}
	}
}

func testEndToEnd(t *testing.T, base string, admin *client) {
	s := newRealStore(t, base)
	ctx := context.Background()
	started := time.Now().UTC()
	tag := randomTag(t)
	mug, tee := "VT"+tag+"-MUG", "VT"+tag+"-TEE"
	red, blue := tee+"-RED-M", tee+"-BLUE-L"
	vat := dec("23")
	items := []store.Item{
		{Kind: catalog.KindProduct, SKU: mug, Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: mug, Name: "Kubek", Description: "Kubek 300 ml", VATRate: vat, Active: true}},
		{Kind: catalog.KindProduct, SKU: tee, Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: tee, Name: "Koszulka", Axes: []string{"Kolor", "Rozmiar"}, VATRate: vat, Active: true}},
		{Kind: catalog.KindVariant, SKU: red, Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: red, ParentSKU: tee, Name: "Koszulka czerwona M", Options: map[string]string{"Kolor": "Czerwony", "Rozmiar": "M"}, VATRate: vat, Active: true}},
		{Kind: catalog.KindVariant, SKU: blue, Op: store.OpUpsert, Doc: &store.ProductDoc{SKU: blue, ParentSKU: tee, Options: map[string]string{"Kolor": "Niebieski", "Rozmiar": "L"}, VATRate: vat, Active: true}},
		{Kind: catalog.KindPrice, SKU: mug, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: mug, Currency: "PLN", Gross: true, Regular: dec("49.99")}},
		{Kind: catalog.KindPrice, SKU: red, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: red, Currency: "PLN", Gross: true, Regular: dec("79")}},
		{Kind: catalog.KindPrice, SKU: blue, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: blue, Currency: "PLN", Gross: true, Regular: dec("81.50")}},
		{Kind: catalog.KindStock, SKU: mug, Op: store.OpUpsert, Doc: &store.StockDoc{SKU: mug, Quantity: dec("10")}},
		{Kind: catalog.KindStock, SKU: red, Op: store.OpUpsert, Doc: &store.StockDoc{SKU: red, Quantity: dec("5")}},
		{Kind: catalog.KindStock, SKU: blue, Op: store.OpUpsert, Doc: &store.StockDoc{SKU: blue, Quantity: dec("7.9")}},
		// Bad items fail alone.
		{Kind: catalog.KindPrice, SKU: mug + "-NOPE", Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: mug + "-NOPE", Currency: "PLN", Gross: true, Regular: dec("1")}},
		{Kind: catalog.KindPrice, SKU: red, Op: store.OpUpsert, Doc: &store.PriceDoc{SKU: red, Currency: "PLN", Gross: true, Regular: dec("79.001")}},
	}
	res, err := s.Push(ctx, items)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if len(res) != len(items) {
		t.Fatalf("push: %d results for %d items", len(res), len(items))
	}
	for i, r := range res[:10] {
		if r.Err != nil || r.ShopID == "" {
			t.Fatalf("item %d (%s %s): shop id %q, err %v", i, r.Kind, r.SKU, r.ShopID, r.Err)
		}
	}
	for _, r := range res[10:] {
		if !fault.IsPermanent(r.Err) {
			t.Errorf("bad item %s %s: err %v, want a permanent error", r.Kind, r.SKU, r.Err)
		}
	}

	// The same state again finds the same entities and changes nothing.
	again, err := s.Push(ctx, items[:10])
	if err != nil {
		t.Fatalf("push again: %v", err)
	}
	for i, r := range again {
		if r.Err != nil || r.ShopID != res[i].ShopID {
			t.Errorf("push again item %d (%s): shop id %q err %v, first push gave %q", i, r.SKU, r.ShopID, r.Err, res[i].ShopID)
		}
	}

	// Read back through the Admin API.
	var back struct {
		ProductVariants struct {
			Items []struct {
				ID           string `json:"id"`
				SKU          string `json:"sku"`
				PriceWithTax int64  `json:"priceWithTax"`
				StockOnHand  int64  `json:"stockOnHand"`
				Enabled      bool   `json:"enabled"`
				Product      struct {
					ID, Name string
				} `json:"product"`
				Options []struct{ Name string } `json:"options"`
			} `json:"items"`
		} `json:"productVariants"`
	}
	gql(t, admin, `query($s: [String!]!) { productVariants(options: { filter: { sku: { in: $s } } }) {
  items { id sku priceWithTax stockOnHand enabled product { id name } options { name } } } }`,
		map[string]any{"s": []string{mug, red, blue}}, &back)
	want := map[string]struct {
		price, stock int64
		options      int
	}{mug: {4999, 10, 0}, red: {7900, 5, 2}, blue: {8150, 7, 2}}
	if len(back.ProductVariants.Items) != len(want) {
		t.Fatalf("admin api has %d variants for %s*, want %d (no duplicates after a second push)", len(back.ProductVariants.Items), tee, len(want))
	}
	variantID := map[string]string{}
	for _, v := range back.ProductVariants.Items {
		w := want[v.SKU]
		variantID[v.SKU] = v.ID
		if v.PriceWithTax != w.price || v.StockOnHand != w.stock || len(v.Options) != w.options || !v.Enabled {
			t.Errorf("variant %s: price %d stock %d options %d enabled %t; want %d %d %d true", v.SKU, v.PriceWithTax, v.StockOnHand, len(v.Options), v.Enabled, w.price, w.stock, w.options)
		}
	}
	if res[0].ShopID == res[1].ShopID {
		t.Errorf("mug and tee share product id %s", res[0].ShopID)
	}

	// Binding sees what was pushed.
	seen := map[string]store.Existing{}
	if err := s.ListItems(ctx, func(e store.Existing) error {
		seen[string(e.Kind)+"|"+e.SKU] = e
		return nil
	}); err != nil {
		t.Fatalf("list items: %v", err)
	}
	if e := seen["variant|"+red]; e.ShopID != variantID[red] || e.ParentShopID != res[1].ShopID {
		t.Errorf("list items: %s is %+v, want variant %s of product %s", red, e, variantID[red], res[1].ShopID)
	}
	if e := seen["product|"+mug]; e.ShopID != res[0].ShopID {
		t.Errorf("list items: product %s is %+v, want shop id %s", mug, e, res[0].ShopID)
	}

	// An order placed through the Shop API arrives through Orders.
	orderID := placeOrder(t, base, variantID[red], 2)
	var found *store.ShopOrder
	page := ""
	for pages := 0; found == nil; pages++ {
		if pages > 1000 {
			t.Fatal("orders: too many pages")
		}
		pg, err := s.Orders(ctx, started.Add(-time.Minute), page)
		if err != nil {
			t.Fatalf("orders: %v", err)
		}
		for k := range pg.Orders {
			if pg.Orders[k].ID == orderID {
				found = &pg.Orders[k]
			}
		}
		if pg.Next == "" {
			break
		}
		page = pg.Next
	}
	if found == nil {
		t.Fatalf("order %s not among Orders since %s", orderID, started)
	}
	o, err := s.ParseOrder(found.Raw)
	if err != nil {
		t.Fatalf("parse order: %v", err)
	}
	if o.Status != catalog.StatusProcessing || o.Currency != "PLN" || !o.PricesIncludeTax || len(o.Lines) != 1 {
		t.Fatalf("order: %+v", o)
	}
	l := o.Lines[0]
	if l.SKU != red || !l.Quantity.Equal(dec("2")) || !l.UnitPrice.Equal(dec("79")) || !l.Total.Equal(dec("158")) || !l.VATRate.Equal(vat) {
		t.Errorf("order line: %+v", l)
	}
	if !o.Shipping.Cost.Equal(dec("15")) || !o.Total.Equal(dec("173")) || o.Total.Cmp(o.LinesTotal()) != 0 {
		t.Errorf("order totals: shipping %s total %s lines %s", o.Shipping.Cost, o.Total, o.LinesTotal())
	}
	if o.Customer.Email != "jan.kowalski@example.com" || o.ShippingAddress.Country != "PL" || o.ShippingAddress.City != "Warszawa" {
		t.Errorf("order customer/address: %+v %+v", o.Customer, o.ShippingAddress)
	}
	if !o.Payment.Paid || !o.Payment.Amount.Equal(dec("173")) {
		t.Errorf("order payment: %+v", o.Payment)
	}
	if found.UpdatedAt.Before(started.Add(-time.Minute)) || !found.UpdatedAt.Equal(o.PlacedAt) {
		t.Errorf("order cursor time %s, placed %s", found.UpdatedAt, o.PlacedAt)
	}
	one, err := s.Order(ctx, orderID)
	if err != nil || one.ID != orderID {
		t.Fatalf("order %s: %+v %v", orderID, one, err)
	}
	if _, err := s.Order(ctx, "999999999"); !fault.IsPermanent(err) {
		t.Errorf("missing order: err %v, want permanent", err)
	}

	// Ship with tracking, twice: one fulfilment, shipped.
	up := catalog.StatusUpdate{Status: catalog.StatusShipped, Tracking: &catalog.Tracking{Carrier: "InPost", Number: "TRK" + tag}}
	for range 2 {
		if err := s.SetStatus(ctx, orderID, up); err != nil {
			t.Fatalf("set status: %v", err)
		}
	}
	var shipped struct {
		Order struct {
			State        string `json:"state"`
			Fulfillments []struct {
				State        string `json:"state"`
				Method       string `json:"method"`
				TrackingCode string `json:"trackingCode"`
			} `json:"fulfillments"`
		} `json:"order"`
	}
	gql(t, admin, `query($id: ID!) { order(id: $id) { state fulfillments { state method trackingCode } } }`, map[string]any{"id": orderID}, &shipped)
	if shipped.Order.State != "Shipped" || len(shipped.Order.Fulfillments) != 1 {
		t.Fatalf("after shipping: %+v", shipped.Order)
	}
	if f := shipped.Order.Fulfillments[0]; f.State != "Shipped" || f.Method != "InPost" || f.TrackingCode != "TRK"+tag {
		t.Errorf("fulfilment: %+v", f)
	}
	raw, err := s.Order(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.ParseOrder(raw.Raw); err != nil || o.Status != catalog.StatusShipped {
		t.Errorf("parsed shipped order: status %s err %v", o.Status, err)
	}

	// Cancel another order, twice: cancelled once, then nothing to do.
	second := placeOrder(t, base, variantID[mug], 1)
	for range 2 {
		if err := s.SetStatus(ctx, second, catalog.StatusUpdate{Status: catalog.StatusCancelled, Note: "out of stock in the ERP"}); err != nil {
			t.Fatalf("cancel: %v", err)
		}
	}
	if so, err := s.Order(ctx, second); err != nil {
		t.Fatal(err)
	} else if o, err := s.ParseOrder(so.Raw); err != nil || o.Status != catalog.StatusCancelled {
		t.Errorf("cancelled order: status %s err %v", o.Status, err)
	}
	if err := s.SetStatus(ctx, second, catalog.StatusUpdate{Status: catalog.StatusOnHold}); !fault.IsPermanent(err) {
		t.Errorf("on_hold: %v, want permanent (Vendure has no such state)", err)
	}

	// Deactivate the mug: the product stays, disabled.
	if r, err := s.Push(ctx, []store.Item{{Kind: catalog.KindProduct, SKU: mug, Op: store.OpDeactivate}}); err != nil || r[0].Err != nil {
		t.Fatalf("deactivate: %v %+v", err, r)
	}
	var p struct {
		Product struct{ Enabled bool } `json:"product"`
	}
	gql(t, admin, `query($id: ID!) { product(id: $id) { enabled } }`, map[string]any{"id": res[0].ShopID}, &p)
	if p.Product.Enabled {
		t.Error("mug still enabled after deactivate")
	}
	t.Logf("pushed %s, %s (%s, %s), order %s shipped with %s", mug, tee, red, blue, orderID, up.Tracking.Number)
}
