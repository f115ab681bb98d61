package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	failing := true
	h := NewHandler(Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Checks: map[string]Check{
			"state": func(context.Context) error { return nil },
			"erp": func(context.Context) error {
				if failing {
					return errors.New("dial tcp erp-host:1433: refused")
				}
				return nil
			},
		},
	})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("/healthz = %d", rec.Code)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz?token=hunter2", nil))
	var body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 503 || body.Checks["erp"] != "failing" || body.Checks["state"] != "ok" {
		t.Fatalf("/readyz with a failing ERP = %d %+v", rec.Code, body)
	}
	if strings.Contains(rec.Body.String(), "erp-host") {
		t.Error("/readyz serves the error text")
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Error("access log contains the query string")
	}

	failing = false
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("/readyz all ok = %d %s", rec.Code, rec.Body)
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", NewHandler(Options{}), 5*time.Second, ready) }()
	addr := <-ready
	resp, err := http.Get("http://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
}
