package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/state"
)

func TestOrdersCommands(t *testing.T) {
	t.Setenv("TEST_ADMIN_TOKEN", adminToken)
	t.Setenv("TEST_WEBHOOK_SECRET", webhookSecret)
	path := writeConfig(t, "")
	ctx := context.Background()
	db, err := state.Open(ctx, state.DriverSQLite, filepath.Join(filepath.Dir(path), "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, o := range []state.InboxOrder{
		{Store: "b2c", ShopOrderID: "1001", Payload: []byte(`{"id":"1001"}`)},
		{Store: "b2c", ShopOrderID: "1002", State: state.OrderParked, Reason: `line 1: SKU "ZZ" is not an ERP product`},
		{Store: "b2b", ShopOrderID: "77", State: state.OrderInvalid, Reason: "parse: not JSON"},
	} {
		id, _, err := db.InsertOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		ids[o.ShopOrderID] = id
	}
	if err := db.Reserve(ctx, nil, "b2c", "1001", []state.ReservationLine{{SKU: "A", Quantity: decimal.NewFromInt(2)}}); err != nil {
		t.Fatal(err)
	}
	sid := func(k string) string { return strconv.FormatInt(ids[k], 10) }

	code, out, errOut := run(t, "--config", path, "orders", "list")
	if code != ExitOK || !strings.Contains(out, "1001") || !strings.Contains(out, "77") ||
		!strings.Contains(out, "in the inbox: received 1, parked 1, invalid 1") {
		t.Fatalf("orders list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "--config", path, "orders", "list", "--store", "b2c", "--state", "parked")
	if code != ExitOK || !strings.Contains(out, `SKU "ZZ" is not an ERP product`) || strings.Contains(out, " 1001 ") {
		t.Fatalf("orders list --state parked: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "--config", path, "orders", "list", "--state", "lost"); code != ExitUsage || !strings.Contains(errOut, "want one of") {
		t.Errorf("list --state lost: exit %d, %s", code, errOut)
	}
	code, out, _ = run(t, "--config", path, "orders", "show", sid("1001"))
	if code != ExitOK || !regexp.MustCompile(`state\s+received`).MatchString(out) || !strings.Contains(out, `{"id":"1001"}`) {
		t.Fatalf("orders show: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, "--config", path, "orders", "show"); code != ExitUsage {
		t.Errorf("show without ID: exit %d, want usage", code)
	}
	if code, _, _ := run(t, "--config", path, "orders", "show", "abc"); code != ExitUsage {
		t.Errorf("show abc: exit %d, want usage", code)
	}
	if code, _, errOut := run(t, "--config", path, "orders", "show", "9999"); code != ExitFailure || !strings.Contains(errOut, "not found") {
		t.Errorf("show 9999: exit %d %s", code, errOut)
	}

	// retry: parked → received; an imported order cannot be retried.
	code, out, _ = run(t, "--config", path, "orders", "retry", sid("1002"))
	if o, _ := db.GetOrder(ctx, ids["1002"]); code != ExitOK || o.State != state.OrderReceived || o.Reason != "" {
		t.Fatalf("retry: exit %d, order %+v\n%s", code, o, out)
	}
	// park needs a reason.
	if code, _, _ := run(t, "--config", path, "orders", "park", sid("1001")); code != ExitUsage {
		t.Errorf("park without --reason: exit %d", code)
	}
	code, out, _ = run(t, "--config", path, "orders", "park", sid("1001"), "--reason", "customer asked to wait")
	if o, _ := db.GetOrder(ctx, ids["1001"]); code != ExitOK || o.State != state.OrderParked || !strings.Contains(o.Reason, "customer asked to wait") {
		t.Fatalf("park: exit %d, order %+v\n%s", code, o, out)
	}
	// skip releases the order's reservation.
	code, out, _ = run(t, "--config", path, "orders", "skip", sid("1001"))
	reserved, err := db.ReservedBySKU(ctx)
	if o, _ := db.GetOrder(ctx, ids["1001"]); code != ExitOK || err != nil || o.State != state.OrderSkipped || len(reserved) != 0 {
		t.Fatalf("skip: exit %d, order %+v, reserved %v\n%s", code, o, reserved, out)
	}
	if code, _, errOut := run(t, "--config", path, "orders", "skip", sid("1001")); code != ExitFailure || !strings.Contains(errOut, "is skipped") {
		t.Errorf("skip twice: exit %d %s", code, errOut)
	}
	events, err := db.AuditEvents(ctx, 10, 0)
	if err != nil || len(events) != 3 {
		t.Fatalf("audit events = %d, %v; want retry, park and skip", len(events), err)
	}
}
