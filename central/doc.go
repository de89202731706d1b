// Package central is what omsd runs: order capture from every channel, the
// catalog and sites, the stock ledger, allocation and routing to sites and
// stations, and the visibility API.
//
// Central owns orders and allocations. Every change to an order, the
// ledger moves it causes and the tasks it sends to stations commit in one
// SQLite transaction, so a crash never leaves an allocation without its
// order, stock promised twice, or a task for a change that did not happen.
package central
