package orders_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/hub"
	"github.com/erpbridge/erpbridge/internal/state"
)

const (
	killConfigEnv = "ERPBRIDGE_ORDERS_KILL_CONFIG"
	killShiftEnv  = "ERPBRIDGE_ORDERS_KILL_SHIFT"
)

// TestKilledWhileImporting is fault test (b): a hub process importing 300
// orders is killed with SIGKILL at random points ten times and restarted;
// every order ends up staged exactly once and every reservation once.
// Each restart runs on a clock moved past the claim lease, as a restart
// after the lease would.
func TestKilledWhileImporting(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns hub processes; skipped with -short")
	}
	n, kills := 300, 10
	if raceEnabled {
		n = 60
	}
	b := setup(t, "", "")
	ids := b.place(t, n)
	if res, err := b.svc.Poll(t.Context(), b.store); err != nil || res.Stored != n {
		t.Fatalf("poll = %+v, %v", res, err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spawn := func(run int) (*exec.Cmd, *bufio.Reader) {
		cmd := exec.Command(exe, "-test.run=^TestKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), killConfigEnv+"="+b.path,
			killShiftEnv+"="+strconv.Itoa(run))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, bufio.NewReader(out)
	}
	for run := 0; run < kills; run++ {
		cmd, out := spawn(run)
		if _, err := out.ReadString('\n'); err != nil { // "ready"
			t.Fatalf("run %d: helper did not start: %v", run, err)
		}
		time.Sleep(time.Duration(rand.IntN(120)) * time.Millisecond) // a random point of the import
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		counts, _ := b.hub.State.OrderCounts(t.Context(), b.store)
		t.Logf("killed run %d: inbox %v, %d staged", run, counts, b.stagingCount(t))
	}
	cmd, out := spawn(kills)
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, rest)
	}
	assertAllImported(t, b, n)
	reserved, err := b.hub.State.ReservedBySKU(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]decimal.Decimal{}
	for _, id := range ids {
		o, _ := b.shop.Order(id)
		for _, l := range o.Lines {
			want[l.SKU] = want[l.SKU].Add(l.Quantity)
		}
	}
	for sku, q := range want {
		if !reserved[sku].Equal(q) {
			t.Errorf("reserved %s = %s, want %s", sku, reserved[sku], q)
		}
	}
}

// TestKillHelper is the hub process TestKilledWhileImporting kills: it
// processes the inbox until nothing is due. Run alone it skips.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killConfigEnv)
	if path == "" {
		t.Skip("helper process of TestKilledWhileImporting")
	}
	run, _ := strconv.Atoi(os.Getenv(killShiftEnv))
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	svc := h.Orders()
	shift := time.Duration(run) * (state.ClaimLease + time.Minute)
	svc.Now = func() time.Time { return time.Now().Add(shift) }
	svc.BatchSize = 5
	fmt.Println("ready")
	if _, err := svc.Process(context.Background()); err != nil {
		t.Fatal(err)
	}
}
