package central

// extraRoutes registers the routes that live in their own files (import,
// webhooks, returns, tracking). Each adds a line here.
func (a *API) extraRoutes() {}
