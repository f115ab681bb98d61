package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// StatusCursor is the name of the ERP order results cursor in the state
// database.
const StatusCursor = "orders.status"

// StatusResult counts what one SyncStatus run did.
type StatusResult struct {
	Results, Sent, Released, Failed int
}

// SyncStatus reads the ERP's order results changed since its cursor. An
// imported result releases the order's hub reservations (the ERP now holds
// the order) and sends the shop the ERP's status, number and tracking; a
// failed import parks the inbox order with the importer's error and keeps its
// reservations. Each update is sent once: the last one sent per order is
// remembered, and an unchanged result is not sent again. The cursor advances
// only when every update of the run was sent, so a shop that was down gets
// its updates on the next run.
func (s *Service) SyncStatus(ctx context.Context) (StatusResult, error) {
	s.init()
	var res StatusResult
	cursor, _, err := s.DB.Cursor(ctx, StatusCursor)
	if err != nil {
		return res, err
	}
	var failures []error
	next, err := s.ERP.OrderResults(ctx, cursor, func(r erp.OrderResult) error {
		res.Results++
		released, sent, err := s.applyResult(ctx, r)
		if released {
			res.Released++
		}
		if sent {
			res.Sent++
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			res.Failed++
			failures = append(failures, err)
			s.Log.Warn("order status not sent", slog.String("store", r.Store), slog.String("order", r.ShopOrderID),
				slog.Any("err", err))
		}
		return nil
	})
	if res.Released > 0 {
		s.reserved(ctx)
	}
	if err != nil {
		return res, fmt.Errorf("orders: status sync: %w", err)
	}
	if len(failures) > 0 {
		return res, fmt.Errorf("orders: status sync: %d updates not sent, cursor kept: %w", len(failures), errors.Join(failures...))
	}
	if next != cursor {
		if err := s.DB.SetCursor(ctx, nil, StatusCursor, next); err != nil {
			return res, err
		}
	}
	if res.Sent > 0 || res.Released > 0 {
		s.Log.Info("order results applied", slog.Int("results", res.Results), slog.Int("sent", res.Sent),
			slog.Int("released", res.Released))
	}
	return res, nil
}

// statusUpdate is what the shop is told about result r; ok is false when
// there is nothing to tell (pending, failed).
func statusUpdate(r erp.OrderResult) (catalog.StatusUpdate, bool) {
	if r.State != erp.StagingImported {
		return catalog.StatusUpdate{}, false
	}
	u := catalog.StatusUpdate{Status: r.Status, ERPNumber: r.ERPNumber, Tracking: r.Tracking}
	if u.Tracking != nil && u.Tracking.Number == "" {
		u.Tracking = nil
	}
	switch {
	case u.Status == "" && u.Tracking != nil:
		u.Status = catalog.StatusShipped
	case u.Status == "" || u.Status == catalog.StatusNew:
		u.Status = catalog.StatusProcessing
	}
	return u, true
}

// updateKey identifies an update's content, to send each one once.
func updateKey(u catalog.StatusUpdate) string {
	k := []string{string(u.Status), u.ERPNumber}
	if u.Tracking != nil {
		k = append(k, u.Tracking.Carrier, u.Tracking.Number, u.Tracking.URL)
	}
	return strings.Join(k, "|")
}

func (s *Service) applyResult(ctx context.Context, r erp.OrderResult) (released, sent bool, err error) {
	o, err := s.DB.OrderByKey(ctx, r.Store, r.ShopOrderID)
	if errors.Is(err, state.ErrNotFound) {
		return false, false, nil // staged by someone else; not the hub's order
	}
	if err != nil {
		return false, false, err
	}
	switch r.State {
	case erp.StagingFailed:
		if o.State == state.OrderImported {
			reason := "ERP importer failed: " + r.Error
			err := s.write(ctx, func() error {
				return s.DB.SetOrderState(ctx, o.ID, state.OrderParked, reason, "", time.Time{})
			})
			if err == nil {
				s.event(ctx, r.Store, r.ShopOrderID, state.OrderEventERPResult, reason, map[string]any{"state": string(r.State)})
			}
			return false, false, err
		}
		return false, false, nil
	case erp.StagingImported:
	default:
		return false, false, nil
	}
	// The ERP holds the order now: its stock is the ERP's to show.
	err = s.write(ctx, func() error { return s.DB.Release(ctx, nil, r.Store, r.ShopOrderID) })
	if err != nil {
		return false, false, err
	}
	released = true
	s.event(ctx, r.Store, r.ShopOrderID, state.OrderEventERPResult, resultText(r), map[string]any{
		"state": string(r.State), "erp_number": r.ERPNumber, "status": string(r.Status), "tracking": r.Tracking})
	u, ok := statusUpdate(r)
	if !ok {
		return released, false, nil
	}
	key := updateKey(u)
	prev, err := s.DB.StatusSent(ctx, r.Store, r.ShopOrderID)
	if err != nil || prev == key {
		return released, false, err
	}
	st, ok := s.Stores[r.Store]
	if !ok || !st.enabled() {
		return released, false, nil
	}
	setter, ok := st.Adapter.(store.StatusSetter)
	if !ok {
		return released, false, nil
	}
	if err := setter.SetStatus(ctx, r.ShopOrderID, u); err != nil {
		return released, false, fmt.Errorf("set status of %s/%s: %w", r.Store, r.ShopOrderID, err)
	}
	if err := s.write(ctx, func() error { return s.DB.SetStatusSent(ctx, nil, r.Store, r.ShopOrderID, key) }); err != nil {
		return released, true, err
	}
	msg := "shop told: " + string(u.Status)
	if u.Tracking != nil {
		msg += ", tracking " + u.Tracking.Carrier + " " + u.Tracking.Number
	}
	s.event(ctx, r.Store, r.ShopOrderID, state.OrderEventStatusSent, msg,
		map[string]any{"status": string(u.Status), "erp_number": u.ERPNumber, "tracking": u.Tracking})
	return released, true, nil
}

// resultText says what the importer reported, for the order's history; the
// same result read again says the same, so it is recorded once.
func resultText(r erp.OrderResult) string {
	t := "imported into the ERP"
	if r.ERPNumber != "" {
		t += " as " + r.ERPNumber
	}
	if r.Status != "" {
		t += ", status " + string(r.Status)
	}
	if r.Tracking != nil && r.Tracking.Number != "" {
		t += ", tracking " + r.Tracking.Carrier + " " + r.Tracking.Number
	}
	return t
}
