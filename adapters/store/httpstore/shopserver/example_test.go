package shopserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
)

// A shop (or a downstream hub) serves the protocol below a base path; the
// upstream hub's "http" store points its connection.url at that base.
func Example() {
	srv, err := shopserver.New(shopserver.Config{Backend: shopserver.NewMemory(), Token: "s3cret", MaxBatch: 200})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/erpbridge/", http.StripPrefix("/erpbridge", srv))
	ts := httptest.NewServer(mux)
	defer ts.Close()

	body := `{"items":[{"kind":"category","sku":"tools","op":"upsert","doc":{"code":"tools","name":"Tools","path":"Tools"}}]}`
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, ts.URL+"/erpbridge/v1/items", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(out)))
	// Output: 200 {"results":[{"kind":"category","sku":"tools","shop_id":"c-1","status":"ok"}]}
}
