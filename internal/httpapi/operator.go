package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
)

// Operator configures the operator surface: the admin REST API under
// /api/v1, the dashboard under /ui/ and /metrics.
type Operator struct {
	// State is the hub's database (required).
	State *state.DB
	// Tokens are the admin API and dashboard tokens (TokensFromConfig).
	// Without tokens every request to these routes is refused.
	Tokens []Token
	// Stores are the configured stores (StoresFromConfig).
	Stores []StoreInfo
	// ERPCursors maps a label shown in the status to a state cursor name
	// (e.g. "delta" → engine.DeltaCursor).
	ERPCursors map[string]string
	// RedactedConfig returns the effective config with secrets redacted
	// (config.Config.Redacted); nil answers /api/v1/config with 404.
	RedactedConfig func() ([]byte, error)
	// Metrics, if not nil, is served on /metrics (any token) and counts
	// every request.
	Metrics *metrics.Registry
	// Actions is the running engine (*engine.Runner); nil answers the
	// sync, snapshot and plan actions with 503.
	Actions Actions
	// Context bounds background work (plans): when it ends, running plans
	// are cancelled. Nil: context.Background().
	Context context.Context
	// Readings are the engine's facts the status shows (metrics.Readings);
	// nil shows none.
	Readings Readings
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// useOperatorMiddleware installs the request metrics before any route.
func useOperatorMiddleware(r *gin.Engine, o Options) {
	if o.Operator == nil || o.Operator.Metrics == nil {
		return
	}
	m := o.Operator.Metrics
	r.Use(func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.ObserveHTTP(c.FullPath(), metricMethod(c.Request.Method), c.Writer.Status(), time.Since(start))
	})
}

// registerOperator registers /api/v1, the dashboard and /metrics.
func registerOperator(r *gin.Engine, o Options) {
	op := o.Operator
	if op == nil || op.State == nil {
		return
	}
	now := op.Now
	if now == nil {
		now = time.Now
	}
	auth := newAuthenticator(op.Tokens)
	if len(auth.tokens) == 0 {
		o.Logger.Warn("no admin tokens configured (http.admin_tokens): the admin API, dashboard and /metrics refuse every request")
	}
	a := &admin{db: op.State, stores: op.Stores, erpCursors: op.ERPCursors, redacted: op.RedactedConfig,
		log: o.Logger, now: now, actions: op.Actions, readings: op.Readings}
	a.plans.ctx = op.Context
	if a.plans.ctx == nil {
		a.plans.ctx = context.Background()
	}
	api := r.Group(APIPrefix)
	a.register(api, auth)
	r.NoRoute(func(c *gin.Context) {
		abortError(c, http.StatusNotFound, "not_found", "no such route")
	})
	if op.Metrics != nil {
		h := promhttp.HandlerFor(op.Metrics.Gatherer(), promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
		})
		r.GET("/metrics", auth.requireToken(), gin.WrapH(h))
	}
	registerDashboard(r, a, auth, parseProxies(o.TrustedProxies))
}

// metricMethod bounds the method label: a client may send any method name.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
