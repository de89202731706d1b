package central

import (
	"context"
	"database/sql"
	"time"

	"github.com/packline/packline/oms"
)

// NotifyConfig says how customers are told about their orders.
type NotifyConfig struct{}

// enqueueNotification queues the customer notifications a move to state
// to calls for, in the transaction that makes the move.
func enqueueNotification(ctx context.Context, tx *sql.Tx, o *oms.Order, to oms.State, at time.Time) error {
	return nil
}
