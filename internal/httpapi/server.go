// Package httpapi is erpbridge's HTTP surface: health and readiness, shop
// webhooks, the admin API, the dashboard and metrics, all routes registered
// from NewHandler.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/orders"
)

// Check is one readiness probe (state store reachable, ERP reachable).
type Check func(ctx context.Context) error

// Options configure the server.
type Options struct {
	Logger *slog.Logger
	// Checks are run by /readyz; the name appears in its answer.
	Checks map[string]Check
	// CheckTimeout bounds each readiness check (default 3 s).
	CheckTimeout time.Duration

	// Operator is the admin API, the dashboard and /metrics; nil serves
	// none of them.
	Operator *Operator
	// Webhooks, when set, receives POST /webhooks/:store; MaxBodyBytes is
	// its body limit (http.max_body_bytes; 0: DefaultMaxBodyBytes).
	Webhooks     *orders.Service
	MaxBodyBytes int64
	// TrustedProxies (http.trusted_proxies) are the reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed; none by default.
	TrustedProxies []string
	// Images, when set, serves the ERP's binary product images at
	// GET /images/... (erp.ImagePath).
	Images erp.ImageReader
}

// NewHandler returns the hub's HTTP handler with every route registered.
func NewHandler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CheckTimeout == 0 {
		o.CheckTimeout = 3 * time.Second
	}
	r := gin.New()
	// Client addresses (access log, sign-in limit) come from forwarded
	// headers only when a trusted proxy sent them.
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		o.Logger.Error("http.trusted_proxies: ignored", slog.Any("err", err))
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(gin.Recovery(), accessLog(o.Logger))
	useOperatorMiddleware(r, o) // operator surface: request metrics
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", readyz(o))
	registerOperator(r, o) // operator surface: /api/v1, dashboard, /metrics
	if o.Webhooks != nil {
		r.POST("/webhooks/:store", webhook(o.Webhooks, o.MaxBodyBytes, o.Logger))
	}
	if o.Images != nil {
		r.GET("/images/:hash/*rest", images(o.Images, o.Logger))
	}
	return r
}

func init() { gin.SetMode(gin.ReleaseMode) }

// readyz answers 200 when every check passes and 503 naming the failures.
// Error texts stay in the log; the answer carries only names, so nothing a
// driver puts in an error (a host, a user) is served to the world.
func readyz(o Options) gin.HandlerFunc {
	names := make([]string, 0, len(o.Checks))
	for n := range o.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	return func(c *gin.Context) {
		status := http.StatusOK
		result := gin.H{}
		for _, n := range names {
			ctx, cancel := context.WithTimeout(c.Request.Context(), o.CheckTimeout)
			err := o.Checks[n](ctx)
			cancel()
			if err != nil {
				status = http.StatusServiceUnavailable
				result[n] = "failing"
				o.Logger.Warn("readiness check failed", slog.String("check", n), slog.Any("err", err))
				continue
			}
			result[n] = "ok"
		}
		state := "ready"
		if status != http.StatusOK {
			state = "not ready"
		}
		c.JSON(status, gin.H{"status": state, "checks": result})
	}
}

// accessLog logs one line per request, with the path but never the query
// string, which may hold credentials (WooCommerce accepts keys there).
func accessLog(l *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		l.Info("http request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", c.ClientIP()))
	}
}

// Serve runs h on addr until ctx is cancelled, then shuts down gracefully,
// waiting up to grace for requests in flight. ready, if not nil, receives the
// bound address once the listener is open.
func Serve(ctx context.Context, addr string, h http.Handler, grace time.Duration, ready chan<- net.Addr) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready <- ln.Addr()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
