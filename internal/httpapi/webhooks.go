package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/orders"
)

// DefaultMaxBodyBytes is the webhook body limit when Options.MaxBodyBytes is
// zero (http.max_body_bytes).
const DefaultMaxBodyBytes = 1 << 20

// webhook answers POST /webhooks/:store: 413 above the body limit, 404 for
// an unknown or disabled store or one whose adapter takes no webhooks, 401
// when the signature does not verify (nothing stored), 202 once a new order
// (or a newer version, or an unreadable payload kept as invalid) is durably
// stored, 200 for a duplicate or a ping, 503 when it could not be stored (the
// shop retries). The body is never logged.
func webhook(rcv *orders.Service, maxBody int64, log *slog.Logger) gin.HandlerFunc {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return func(c *gin.Context) {
		storeID := c.Param("store")
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "body too large"})
				return
			}
			c.JSON(http.StatusBadRequest, gin.H{"error": "cannot read body"})
			return
		}
		out, err := rcv.Receive(c.Request.Context(), storeID, c.Request.Header, body)
		switch {
		case errors.Is(err, orders.ErrUnknownStore), errors.Is(err, orders.ErrNoWebhooks):
			c.JSON(http.StatusNotFound, gin.H{"error": "no such webhook"})
		case errors.Is(err, orders.ErrUnverified):
			c.JSON(http.StatusUnauthorized, gin.H{"error": "signature not verified"})
		case err != nil:
			log.Error("webhook not stored", slog.String("store", storeID), slog.Any("err", err))
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "not stored, retry"})
		default:
			c.JSON(out.StatusCode(), gin.H{"status": outcomeText(out)})
		}
	}
}

func outcomeText(o orders.Outcome) string {
	switch o {
	case orders.Stored:
		return "stored"
	case orders.StoredInvalid:
		return "stored as invalid"
	case orders.Duplicate:
		return "duplicate"
	default:
		return "ignored"
	}
}
