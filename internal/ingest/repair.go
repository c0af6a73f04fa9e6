package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

// Repair does one subscription's part of a lifecycle event under the subscriptions lease:
// StatusReauthorize renews it, StatusRemoved recreates it. The status is stored first, so
// when the work fails, or another instance holds the lease, the next renewal run does it.
func (r *Renewer) Repair(ctx context.Context, sub store.Subscription, status string) error {
	sub.Status = status
	saved, err := r.Store.PutSubscription(ctx, sub)
	if err != nil && !errors.Is(err, errs.ErrPrecondition) {
		return fmt.Errorf("record subscription status %s: %w", status, err)
	}
	if err == nil {
		sub = saved
	}
	if !r.Enabled {
		return nil
	}
	claim, err := r.Store.AcquireLease(ctx, LeaseSubscriptions, statusLeaseDuration)
	var held *store.HeldError
	if errors.As(err, &held) {
		r.log().InfoContext(ctx, "subscription repair left to the renewal run: lease held", "mailbox", sub.Mailbox, "folder", sub.Folder)
		return nil
	}
	if err != nil {
		return fmt.Errorf("subscriptions lease: %w", err)
	}
	defer func() {
		if err := claim.Release(context.WithoutCancel(ctx), "repair done"); err != nil {
			r.log().WarnContext(ctx, "release subscriptions lease", "err", err)
		}
	}()
	// Read the row again under the lease: a renewal run may have replaced it meanwhile.
	rows, err := r.Store.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("read stored subscriptions: %w", err)
	}
	row := findRow(rows, sub.Mailbox, sub.Folder)
	if row.ID != sub.ID {
		return nil // already replaced
	}
	live := map[string]GraphSubscription{}
	if status == StatusReauthorize {
		if _, err = r.renew(ctx, row); !errors.Is(err, errs.ErrNotFound) {
			return err
		}
	}
	_, err = r.create(ctx, row.Mailbox, row.Folder, row, live)
	if r.Index != nil {
		r.Index.Invalidate()
	}
	return err
}

// SubscriptionInfo is one line of `subscriptions list`.
type SubscriptionInfo struct {
	Mailbox, Folder string
	ID              string
	Expires         string
	Status          string // stored status, or "not stored" for a live subscription we have no row for
	InGraph         bool   // Graph still knows it
}

// List reports the stored subscriptions and every live one that points at this deployment.
func (r *Renewer) List(ctx context.Context) ([]SubscriptionInfo, error) {
	live, err := r.Graph.ListSubscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list Graph subscriptions: %w", err)
	}
	stored, err := r.Store.Subscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read stored subscriptions: %w", err)
	}
	byID := map[string]GraphSubscription{}
	for _, g := range live {
		byID[g.ID] = g
	}
	var out []SubscriptionInfo
	for _, s := range stored {
		_, ok := byID[s.ID]
		out = append(out, SubscriptionInfo{Mailbox: s.Mailbox, Folder: s.Folder, ID: s.ID, Expires: s.Expires.UTC().Format("2006-01-02 15:04Z"), Status: s.Status, InGraph: ok})
		delete(byID, s.ID)
	}
	for _, g := range byID {
		if r.ours(g) {
			out = append(out, SubscriptionInfo{Folder: g.Resource, ID: g.ID, Expires: g.Expires.UTC().Format("2006-01-02 15:04Z"), Status: "not stored", InGraph: true})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Mailbox+out[i].Folder+out[i].ID < out[j].Mailbox+out[j].Folder+out[j].ID
	})
	return out, nil
}

// Ensure is `subscriptions ensure`: one renewal run; refused while SUBSCRIPTIONS_ENABLED is
// false, since nothing would renew what it creates.
func (r *Renewer) Ensure(ctx context.Context) (RenewReport, error) {
	if !r.Enabled {
		return RenewReport{}, errs.WithPublic(fmt.Errorf("subscriptions disabled: %w", errs.ErrPrecondition),
			"SUBSCRIPTIONS_ENABLED is false: set it to true (and PUBLIC_BASE_URL) to use subscriptions")
	}
	return r.Run(ctx)
}

// DeleteAll is `subscriptions delete`: under the lease, deletes every live subscription that
// points at this deployment and forgets the stored ones.
func (r *Renewer) DeleteAll(ctx context.Context) (int, error) {
	claim, err := r.Store.AcquireLease(ctx, LeaseSubscriptions, statusLeaseDuration)
	if err != nil {
		return 0, fmt.Errorf("subscriptions lease: %w", err)
	}
	defer claim.Release(context.WithoutCancel(ctx), "delete done")
	live, err := r.Graph.ListSubscriptions(ctx)
	if err != nil {
		return 0, fmt.Errorf("list Graph subscriptions: %w", err)
	}
	stored, err := r.Store.Subscriptions(ctx)
	if err != nil {
		return 0, fmt.Errorf("read stored subscriptions: %w", err)
	}
	n, err := r.prune(ctx, live, nil, map[string]bool{})
	var failures []error
	for _, s := range stored {
		if derr := r.Store.DeleteSubscription(ctx, s); derr != nil && !errors.Is(derr, errs.ErrNotFound) {
			failures = append(failures, derr)
		}
	}
	if r.Index != nil {
		r.Index.Invalidate()
	}
	return n, errors.Join(append(failures, err)...)
}
