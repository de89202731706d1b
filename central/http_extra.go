package central

// extraRoutes registers the routes that live in their own files (import,
// webhooks, returns, tracking). Each adds a line here.
func (a *API) extraRoutes() {
	a.handle("POST /v1/orders/import", a.importOrders)
	a.handle("POST /v1/webhooks/shopify/orders-create", a.shopifyOrdersCreate)
	a.handle("POST /v1/returns", a.postReturn)
	a.handle("GET /v1/returns/{rma}", a.getReturn)
	a.handle("GET /v1/track/{tracking}", a.track)
}
