package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/store"
)

// Sign returns the HeaderSignature value for body signed at ts (Unix
// seconds) with secret: "v1=" + hex(HMAC-SHA256(secret, ts + "." + body)).
func Sign(secret []byte, ts int64, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrOutsideWindow is wrapped (with store.ErrSignatureInvalid) when a
// delivery's timestamp is further from the receiver's clock than the replay
// window allows.
var ErrOutsideWindow = errors.New("timestamp outside the replay window")

// Verify checks a delivery's HeaderTimestamp and HeaderSignature against
// body and secret. The timestamp must be within window of now, either way.
// Every "v1=" entry of the signature header is compared in constant time;
// one match is enough (a shop rotating its secret may send two). A missing
// header gives an error wrapping store.ErrSignatureMissing; anything else
// wrong wraps store.ErrSignatureInvalid.
func Verify(h http.Header, body, secret []byte, now time.Time, window time.Duration) error {
	tsText := h.Get(HeaderTimestamp)
	sigText := h.Get(HeaderSignature)
	switch {
	case sigText == "":
		return fmt.Errorf("wire: %w: no %s header", store.ErrSignatureMissing, HeaderSignature)
	case tsText == "":
		return fmt.Errorf("wire: %w: no %s header", store.ErrSignatureMissing, HeaderTimestamp)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsText), 10, 64)
	if err != nil {
		return fmt.Errorf("wire: %w: %s is not Unix seconds", store.ErrSignatureInvalid, HeaderTimestamp)
	}
	const maxSkew = int64(1 << 40) // keeps the arithmetic below far from overflow
	if ts < -maxSkew || ts > maxSkew {
		return fmt.Errorf("wire: %w: %w", store.ErrSignatureInvalid, ErrOutsideWindow)
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > window || age < -window {
		return fmt.Errorf("wire: %w: %w (signed %s, window %s)", store.ErrSignatureInvalid, ErrOutsideWindow, age.Round(time.Second), window)
	}
	want := mac(secret, ts, body)
	matched := false
	for _, part := range strings.Split(sigText, ",") {
		scheme, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || scheme != "v1" {
			continue
		}
		got, err := hex.DecodeString(value)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("wire: %w: no v1 signature matches", store.ErrSignatureInvalid)
	}
	return nil
}
