package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/erpbridge/erpbridge/internal/erp"
)

type fakeImages struct {
	data  map[string][]byte // sku#position → bytes
	err   error
	calls int
}

func (f *fakeImages) ImageData(_ context.Context, sku string, position int, hash string) ([]byte, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	b, ok := f.data[sku+"#"+strconv.Itoa(position)]
	sum := sha256.Sum256(b)
	if !ok || hex.EncodeToString(sum[:]) != hash {
		return nil, erp.ErrImageNotFound
	}
	return b, nil
}

func TestImagesServedByContentHash(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake png body")
	sum := sha256.Sum256(png)
	hash := hex.EncodeToString(sum[:])
	src := &fakeImages{data: map[string][]byte{"KUB/ŁÓDŹ 1#2": png}}
	h := NewHandler(Options{Images: src})
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if len(hdr) == 2 {
			req.Header.Set(hdr[0], hdr[1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	rec := get(erp.ImagePath(hash, "KUB/ŁÓDŹ 1", 2))
	if rec.Code != http.StatusOK || rec.Body.String() != string(png) {
		t.Fatalf("GET %s = %d %q", erp.ImagePath(hash, "KUB/ŁÓDŹ 1", 2), rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type = %q, want image/png", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if rec := get(erp.ImagePath(hash, "KUB/ŁÓDŹ 1", 2), "If-None-Match", `"`+hash+`"`); rec.Code != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", rec.Code)
	}

	old := hex.EncodeToString(make([]byte, 32))
	for _, path := range []string{
		erp.ImagePath(old, "KUB/ŁÓDŹ 1", 2), // bytes changed since: the old URL is gone
		erp.ImagePath(hash, "KUB/ŁÓDŹ 1", 3),
		"/images/" + hash + "/KUB/x",
		"/images/not-a-hash/KUB/2",
		"/images/" + hash + "/2",
	} {
		if rec := get(path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}

	src.err = errors.New("dial tcp: connection refused")
	if rec := get(erp.ImagePath(hash, "KUB/ŁÓDŹ 1", 2)); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("ERP down: %d, want 503", rec.Code)
	}
}

func TestNoImageRouteWithoutReader(t *testing.T) {
	rec := httptest.NewRecorder()
	NewHandler(Options{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/images/"+hex.EncodeToString(make([]byte, 32))+"/A/0", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}
