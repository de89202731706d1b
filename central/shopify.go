package central

// ShopifyConfig configures the Shopify orders/create webhook.
type ShopifyConfig struct{}
