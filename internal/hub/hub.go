// Package hub assembles a running erpbridge from its config: the state
// store (migrated), the ERP source and one adapter per enabled store. Commands
// open a Hub, use its parts and close it.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/engine"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/httpapi"
	"github.com/erpbridge/erpbridge/internal/logging"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/orders"
	"github.com/erpbridge/erpbridge/internal/project"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Hub is an assembled erpbridge.
type Hub struct {
	Config *config.Config
	Log    *slog.Logger
	State  *state.DB
	ERP    erp.Source
	// Stores are the enabled stores' adapters by store id.
	Stores map[string]store.Store
}

// Open opens the state store and applies pending migrations, then builds the
// ERP source and the store adapters without contacting them. On error every
// part opened so far is closed.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *Hub, err error) {
	h := &Hub{Config: cfg, Log: log, Stores: map[string]store.Store{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, h.Close())
		}
	}()

	h.State, err = state.Open(ctx, cfg.State.Driver, cfg.State.DSN.Reveal(), log)
	if err != nil {
		return nil, err
	}
	applied, err := h.State.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("state store migrated", slog.Any("applied", applied))
	}

	h.ERP, err = NewERP(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Stores {
		sc := &cfg.Stores[i]
		if sc.Enabled != nil && !*sc.Enabled {
			log.Info("store disabled in config", slog.String("store", sc.ID))
			continue
		}
		s, err := NewStore(ctx, sc, log)
		if err != nil {
			return nil, err
		}
		h.Stores[sc.ID] = s
	}
	return h, nil
}

// NewERP builds the configured ERP source from erp.Registry.
func NewERP(ctx context.Context, cfg *config.Config, log *slog.Logger) (erp.Source, error) {
	f, err := erp.Registry.Get(cfg.ERP.Type)
	if err != nil {
		return nil, fmt.Errorf("erp: %w", err)
	}
	tz, err := time.LoadLocation(cfg.ERP.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("erp: time zone: %w", err)
	}
	src, err := f.New(ctx, erp.Params{
		Driver:   cfg.ERP.Driver,
		DSN:      cfg.ERP.DSN.Reveal(),
		Profile:  cfg.ERP.Profile,
		TimeZone: tz,
		Overlap:  cfg.ERP.Overlap.Duration,
		Options:  cfg.ERP.Options,
		Logger:   log,
	})
	if err != nil {
		return nil, fmt.Errorf("erp: %w", err)
	}
	return src, nil
}

// NewStore builds one store's adapter from store.Registry.
func NewStore(ctx context.Context, sc *config.Store, log *slog.Logger) (store.Store, error) {
	f, err := store.Registry.Get(sc.Type)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", sc.ID, err)
	}
	s, err := f.New(ctx, store.Params{
		StoreID:     sc.ID,
		Connection:  sc.Connection,
		Credentials: sc.Credentials,
		Logger:      logging.ForStore(log, sc.ID, sc.Type),
	})
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", sc.ID, err)
	}
	return s, nil
}

// Close closes every part that was opened.
func (h *Hub) Close() error {
	var errs []error
	for id, s := range h.Stores {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store %s: %w", id, err))
		}
	}
	if h.ERP != nil {
		if err := h.ERP.Close(); err != nil {
			errs = append(errs, fmt.Errorf("erp: %w", err))
		}
	}
	if h.State != nil {
		if err := h.State.Close(); err != nil {
			errs = append(errs, fmt.Errorf("state: %w", err))
		}
	}
	return errors.Join(errs...)
}

// EngineStore builds the engine's view of one configured store: its adapter,
// features and compiled rules.
func (h *Hub) EngineStore(id string) (*engine.Store, error) {
	sc, ok := h.Config.StoreByID(id)
	if !ok {
		return nil, fmt.Errorf("no store %q in %s", id, h.Config.Path)
	}
	adapter, ok := h.Stores[id]
	if !ok {
		return nil, fmt.Errorf("store %s is disabled in %s", id, h.Config.Path)
	}
	tz, err := time.LoadLocation(h.Config.ERP.TimeZone)
	if err != nil {
		return nil, err
	}
	f := adapter.Features()
	rules, err := project.FromConfig(*sc, f, tz)
	if err != nil {
		return nil, err
	}
	return &engine.Store{
		ID: id, Adapter: adapter, Features: f, Rules: rules,
		Delete:             sc.Rules.Removal == "delete",
		MaxDeactivateShare: sc.Rules.MaxDeactivateShare,
		ImageBaseURL:       h.Config.HTTP.PublicURL,
		Rate:               sc.Rate.Requests.InexactFloat64(),
		Burst:              sc.Rate.Burst,
	}, nil
}

// StoreIDs returns the ids of the enabled stores in config order, or only id
// when it is not empty.
func (h *Hub) StoreIDs(id string) ([]string, error) {
	if id != "" {
		if _, ok := h.Stores[id]; !ok {
			if _, configured := h.Config.StoreByID(id); configured {
				return nil, fmt.Errorf("store %s is disabled in %s", id, h.Config.Path)
			}
			return nil, fmt.Errorf("no store %q in %s", id, h.Config.Path)
		}
		return []string{id}, nil
	}
	var ids []string
	for _, sc := range h.Config.Stores {
		if _, ok := h.Stores[sc.ID]; ok {
			ids = append(ids, sc.ID)
		}
	}
	return ids, nil
}

// Runner returns the engine's scheduler over every enabled store.
func (h *Hub) Runner() (*engine.Runner, error) {
	ids, err := h.StoreIDs("")
	if err != nil {
		return nil, err
	}
	r := &engine.Runner{
		DB: h.State, ERP: h.ERP, Log: h.Log,
		Schedules:      h.Config.Schedules,
		MaxRemoveShare: h.Config.ERP.MaxRemoveShare,
	}
	for _, id := range ids {
		st, err := h.EngineStore(id)
		if err != nil {
			return nil, err
		}
		r.Stores = append(r.Stores, st)
	}
	return r, nil
}

// Orders returns the order pipeline over every enabled store. The caller
// sets OnReserved to re-project and push stock when reservations change.
func (h *Hub) Orders() *orders.Service {
	s := &orders.Service{DB: h.State, ERP: h.ERP, Log: h.Log, Stores: map[string]*orders.Store{}}
	for id, adapter := range h.Stores {
		if sc, ok := h.Config.StoreByID(id); ok {
			s.Stores[id] = &orders.Store{ID: id, Adapter: adapter, Orders: sc.Orders}
		}
	}
	return s
}

// Start runs the engine's and the order pipeline's schedules and returns the
// HTTP handler with every route (webhooks, admin API, dashboard, metrics,
// health). stop ends the schedules; call it before Close.
func (h *Hub) Start() (handler http.Handler, stop func(), err error) {
	runner, err := h.Runner()
	if err != nil {
		return nil, nil, err
	}
	if err := runner.Start(); err != nil {
		return nil, nil, err
	}
	orderSvc := h.Orders()
	// An accepted or released order changes what every other store may
	// show: re-project and push at once.
	orderSvc.OnReserved = func(context.Context) { runner.Nudge() }
	orderRunner := &orders.Runner{Service: orderSvc, Schedules: h.Config.Schedules}
	if err := orderRunner.Start(); err != nil {
		_ = runner.Stop()
		return nil, nil, err
	}
	// Background work the API starts (plans) ends with stop.
	bg, cancel := context.WithCancel(context.Background())
	storeIDs := make([]string, 0, len(h.Config.Stores))
	for _, s := range h.Config.Stores {
		storeIDs = append(storeIDs, s.ID)
	}
	handler = httpapi.NewHandler(httpapi.Options{
		Logger: h.Log,
		Checks: map[string]httpapi.Check{"state": h.State.Ping, "erp": h.ERP.Ping},
		Operator: &httpapi.Operator{
			State:          h.State,
			Tokens:         httpapi.TokensFromConfig(h.Config.HTTP.AdminTokens),
			Stores:         httpapi.StoresFromConfig(h.Config),
			ERPCursors:     map[string]string{"delta": engine.DeltaCursor},
			RedactedConfig: h.Config.Redacted,
			Metrics:        metrics.New(h.State, storeIDs, h.Log, 0),
			Actions:        runner,
			Context:        bg,
			Readings:       metrics.Readings{},
		},
		Webhooks:       orderSvc,
		MaxBodyBytes:   h.Config.HTTP.MaxBodyBytes,
		TrustedProxies: h.Config.HTTP.TrustedProxies,
		Images:         imageReader(h.ERP),
	})
	stop = func() {
		cancel()
		_ = orderRunner.Stop()
		_ = runner.Stop()
	}
	return handler, stop, nil
}

// imageReader is the ERP's image ability, or nil when it keeps no images as
// data.
func imageReader(src erp.Source) erp.ImageReader {
	if r, ok := src.(erp.ImageReader); ok {
		return r
	}
	return nil
}
