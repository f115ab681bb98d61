// Command configref regenerates docs/config-reference.md from the config
// types and every adapter the binary ships. Run it from the repository root:
//
//	go run ./scripts/configref
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	_ "github.com/erpbridge/erpbridge/adapters/all"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/store"
)

func main() {
	out := flag.String("o", "docs/config-reference.md", "file to write")
	flag.Parse()
	var buf bytes.Buffer
	if err := config.Reference(&buf, erp.Registry, store.Registry); err != nil {
		fmt.Fprintln(os.Stderr, "configref:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "configref:", err)
		os.Exit(1)
	}
}
