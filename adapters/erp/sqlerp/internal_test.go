package sqlerp

import (
	"strings"
	"testing"
	"time"
)

func TestLowerBoundAddsAnHourNearDST(t *testing.T) {
	t.Parallel()
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Skip("no zoneinfo for Europe/Warsaw")
	}
	s := &Source{opt: Options{Overlap: 10 * time.Minute}, loc: warsaw}
	tests := []struct {
		name   string
		cursor time.Time
		want   time.Duration
	}{
		{"winter", time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC), 10 * time.Minute},
		{"summer", time.Date(2024, 7, 15, 12, 0, 0, 0, time.UTC), 10 * time.Minute},
		// 02:50 CEST, ten minutes before the clocks go back to 02:00 CET.
		{"before fall back", time.Date(2024, 10, 27, 0, 50, 0, 0, time.UTC), 70 * time.Minute},
		{"after spring forward", time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC), 70 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.cursor.Sub(s.lowerBound(tc.cursor)); got != tc.want {
				t.Errorf("cursor %s: looks back %s, want %s", tc.cursor, got, tc.want)
			}
		})
	}
}

func TestXLTimeUnits(t *testing.T) {
	t.Parallel()
	if got := xlDay(time.Date(1801, 1, 1, 15, 0, 0, 0, time.UTC)); got != 4 {
		t.Errorf("xlDay(1801-01-01) = %d, want 4", got)
	}
	if got := xlDay(time.Date(1800, 12, 28, 0, 0, 0, 0, time.UTC)); got != 0 {
		t.Errorf("xlDay(1800-12-28) = %d, want 0", got)
	}
	if got := xlSeconds(time.Date(1990, 1, 2, 0, 0, 1, 0, time.UTC)); got != 86401 {
		t.Errorf("xlSeconds(1990-01-02 00:00:01) = %d, want 86401", got)
	}
	w := time.Date(2024, 3, 31, 3, 30, 0, 0, time.UTC)
	if got := xlWall(xlSeconds(w)); !got.Equal(w) {
		t.Errorf("xlWall(xlSeconds(%s)) = %s", w, got)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 3, 31, 1, 30, 0, 123000000, time.UTC)
	c := formatCursor(at)
	back, err := parseCursor(c)
	if err != nil || !back.Equal(at) {
		t.Fatalf("parseCursor(%q) = %s, %v", c, back, err)
	}
	if _, err := parseCursor("2024-03-31 01:30"); err == nil {
		t.Error("parseCursor accepted text that is not RFC 3339")
	}
	if z, err := parseCursor(""); err != nil || !z.IsZero() {
		t.Errorf("parseCursor(\"\") = %s, %v", z, err)
	}
}

func TestResolveImageURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, u, want string }{
		{"", "foto/1.jpg", "foto/1.jpg"},
		{"https://cdn.example.pl/img/", "/foto/1.jpg", "https://cdn.example.pl/img/foto/1.jpg"},
		{"https://cdn.example.pl/img", `foto\1.jpg`, "https://cdn.example.pl/img/foto/1.jpg"},
		{"https://cdn.example.pl", "https://other.example.com/a.png", "https://other.example.com/a.png"},
	}
	for _, tc := range tests {
		if got := resolveImageURL(tc.base, tc.u); got != tc.want {
			t.Errorf("resolveImageURL(%q, %q) = %q, want %q", tc.base, tc.u, got, tc.want)
		}
	}
}

func TestShippedQueriesCompileForEveryDialect(t *testing.T) {
	t.Parallel()
	for _, name := range []string{ProfileOptima, ProfileXL, ProfileGeneric} {
		prof, err := LoadProfile(name, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, dn := range Dialects {
			d, _ := dialectFor(dn)
			s := &Source{d: d, prof: prof, opt: Options{}.withDefaults(), loc: time.UTC, now: time.Now}
			for _, q := range prof.Names() {
				text, args, err := s.compile(q, map[string]any{"since": s.sinceParam(time.Time{}), "sku": "X"})
				if err != nil {
					t.Errorf("%s %s on %s: %v", name, q, dn, err)
					continue
				}
				marks := strings.Count(text, "?")
				switch dn {
				case DialectPostgres:
					marks = strings.Count(text, "$")
				case DialectSQLServer:
					marks = strings.Count(text, "@p")
				}
				if marks != len(args) {
					t.Errorf("%s %s on %s: %d placeholders for %d arguments:\n%s", name, q, dn, marks, len(args), text)
				}
				if strings.Contains(text, "--") || strings.Contains(text, ":") {
					t.Errorf("%s %s on %s: comment or unbound parameter left:\n%s", name, q, dn, text)
				}
			}
		}
	}
	xl, _ := LoadProfile(ProfileXL, nil, "")
	ss, _ := xl.Text(QueryImages, DialectSQLServer)
	pg, _ := xl.Text(QueryImages, DialectPostgres)
	if !strings.Contains(ss, "VARBINARY") || strings.Contains(pg, "VARBINARY") {
		t.Error("the XL images query does not pick its SQL Server variant")
	}
}

// BYTE_ORDER(expr) becomes each engine's binary collation around expr,
// with parentheses and quoted strings inside expr kept whole.
func TestExpandByteOrder(t *testing.T) {
	t.Parallel()
	q := `SELECT 1 ORDER BY BYTE_ORDER(CONCAT(c.n, ')|(', t.k)), t.id, BYTE_ORDER(t.k)`
	want := map[string]string{
		DialectPostgres:  `SELECT 1 ORDER BY (CONCAT(c.n, ')|(', t.k)) COLLATE "C", t.id, (t.k) COLLATE "C"`,
		DialectSQLServer: `SELECT 1 ORDER BY (CONCAT(c.n, ')|(', t.k)) COLLATE Latin1_General_BIN2, t.id, (t.k) COLLATE Latin1_General_BIN2`,
		DialectMySQL:     `SELECT 1 ORDER BY CONVERT(CONCAT(c.n, ')|(', t.k) USING utf8mb4) COLLATE utf8mb4_bin, t.id, CONVERT(t.k USING utf8mb4) COLLATE utf8mb4_bin`,
		DialectSQLite:    `SELECT 1 ORDER BY (CONCAT(c.n, ')|(', t.k)) COLLATE BINARY, t.id, (t.k) COLLATE BINARY`,
	}
	for name, w := range want {
		d, err := dialectFor(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.expandByteOrder(q)
		if err != nil || got != w {
			t.Errorf("%s:\n got %s (%v)\nwant %s", name, got, err, w)
		}
	}
	d, _ := dialectFor(DialectPostgres)
	if _, err := d.expandByteOrder(`ORDER BY BYTE_ORDER(t.k`); err == nil {
		t.Error("an unclosed BYTE_ORDER( was accepted")
	}
}
