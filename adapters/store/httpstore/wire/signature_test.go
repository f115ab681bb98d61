package wire_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/store"
)

// The example in docs/store-protocol.md, computed independently.
const (
	docSecret = "whsec_test"
	docTS     = 1774744200
	docBody   = `{"shop_order_id":"o-1"}`
	docSig    = "v1=6ac8e469659b2d5ad709a1a4639dd38644413316871e5a0fe1bc1c408d2633f7"
)

func TestSignMatchesTheDocumentedExample(t *testing.T) {
	t.Parallel()
	if got := wire.Sign([]byte(docSecret), docTS, []byte(docBody)); got != docSig {
		t.Fatalf("Sign = %s, want %s", got, docSig)
	}
	h := http.Header{}
	h.Set(wire.HeaderTimestamp, "1774744200")
	h.Set(wire.HeaderSignature, docSig)
	now := time.Unix(docTS, 0).Add(4 * time.Minute)
	if err := wire.Verify(h, []byte(docBody), []byte(docSecret), now, wire.DefaultReplayWindow); err != nil {
		t.Fatalf("Verify of the documented example: %v", err)
	}
	for _, sig := range []string{"v1=", "v1=zz", "v0=" + docSig[3:], docSig[3:], "v1=" + docSig[4:]} {
		h.Set(wire.HeaderSignature, sig)
		if err := wire.Verify(h, []byte(docBody), []byte(docSecret), now, wire.DefaultReplayWindow); !errors.Is(err, store.ErrSignatureInvalid) {
			t.Errorf("Verify with signature %q = %v, want ErrSignatureInvalid", sig, err)
		}
	}
	h.Set(wire.HeaderSignature, docSig)
	h.Set(wire.HeaderTimestamp, "99999999999999999999")
	if err := wire.Verify(h, []byte(docBody), []byte(docSecret), now, wire.DefaultReplayWindow); !errors.Is(err, store.ErrSignatureInvalid) {
		t.Errorf("Verify with an absurd timestamp = %v, want ErrSignatureInvalid", err)
	}
}
