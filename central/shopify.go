package central

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/packline/packline/oms"
)

// ShopifyMaxBytes is the largest webhook body read; an order with
// hundreds of lines stays far below it.
const ShopifyMaxBytes = 4 << 20

// ShopifyConfig configures the Shopify orders/create webhook
// (POST /v1/webhooks/shopify/orders-create), the [shopify] table of the
// config file.
type ShopifyConfig struct {
	// Secret signs the webhooks: the signing secret Shopify shows under
	// Settings > Notifications > Webhooks, or the app's client secret.
	// Empty turns the endpoint off (it answers 503).
	Secret string `toml:"secret" env:"PACKLINE_SHOPIFY_SECRET"`
	// Channel is the channel Shopify orders are captured under; default web.
	Channel oms.Channel `toml:"channel"`
	// ShopDomain, when set, must equal the X-Shopify-Shop-Domain header
	// (for example "example.myshopify.com"): one secret, one shop.
	ShopDomain string `toml:"shop_domain"`
	// ServiceLevels maps a shipping line's code or title (case does not
	// matter) to standard, express or next_day. A line not listed is
	// judged by its words: "next day" or "overnight" is next_day,
	// "express", "priority" or "expedited" is express, anything else
	// standard.
	ServiceLevels map[string]oms.ServiceLevel `toml:"service_levels"`
}

// Validate names the first bad field.
func (c *ShopifyConfig) Validate() error {
	if c.Channel != "" && !c.Channel.Valid() {
		return fmt.Errorf("channel: %q is not one of web, marketplace, phone, edi, pos", c.Channel)
	}
	if strings.ContainsAny(c.ShopDomain, "/: ") {
		return fmt.Errorf("shop_domain: %q: want a bare host name like example.myshopify.com", c.ShopDomain)
	}
	for k, v := range c.ServiceLevels {
		if !v.Valid() {
			return fmt.Errorf("service_levels.%s: %q is not one of standard, express, next_day", k, v)
		}
	}
	return nil
}

func (c *ShopifyConfig) channel() oms.Channel {
	if c.Channel == "" {
		return oms.ChannelWeb
	}
	return c.Channel
}

// verifyShopifyHMAC checks X-Shopify-Hmac-Sha256: the base64 HMAC-SHA256
// of the raw body keyed with the secret, compared in constant time.
func verifyShopifyHMAC(secret string, body []byte, header string) bool {
	if secret == "" || header == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// shopifyOrder is the part of Shopify's order payload (REST Admin API
// Order resource, as the orders/create webhook sends it) that Packline reads.
type shopifyOrder struct {
	ID              json.Number           `json:"id"`
	Name            string                `json:"name"`
	Email           string                `json:"email"`
	ContactEmail    string                `json:"contact_email"`
	Phone           string                `json:"phone"`
	Currency        string                `json:"currency"`
	Customer        *shopifyCustomer      `json:"customer"`
	ShippingAddress *shopifyAddress       `json:"shipping_address"`
	BillingAddress  *shopifyAddress       `json:"billing_address"`
	LineItems       []shopifyLineItem     `json:"line_items"`
	ShippingLines   []shopifyShippingLine `json:"shipping_lines"`
}

type shopifyCustomer struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type shopifyAddress struct {
	Name         string `json:"name"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Company      string `json:"company"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	Zip          string `json:"zip"`
	CountryCode  string `json:"country_code"`
	Phone        string `json:"phone"`
}

type shopifyLineItem struct {
	SKU              string      `json:"sku"`
	Title            string      `json:"title"`
	Quantity         int         `json:"quantity"`
	Price            json.Number `json:"price"`
	RequiresShipping *bool       `json:"requires_shipping"`
}

type shopifyShippingLine struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

func joinName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// errNothingToShip marks a Shopify order with no line that needs
// shipping (gift cards, digital goods): acknowledged, not captured.
var errNothingToShip = errors.New("no line item requires shipping")

// parseShopifyOrder decodes a webhook body and maps it to an order
// input. Errors wrap errBadRequest (not JSON) or oms.ErrInvalid (a field
// Packline cannot use) and name the Shopify field.
func (c *ShopifyConfig) parseShopifyOrder(body []byte) (OrderInput, error) {
	var so shopifyOrder
	if err := json.Unmarshal(body, &so); err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return OrderInput{}, fmt.Errorf("%w: shopify order: malformed JSON at byte %d: %v", errBadRequest, syntax.Offset, err)
		case errors.As(err, &typeErr):
			return OrderInput{}, fmt.Errorf("%w: shopify order: field %s: want %s, got JSON %s", errBadRequest, typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return OrderInput{}, fmt.Errorf("%w: shopify order: %v", errBadRequest, err)
	}
	return c.mapShopifyOrder(&so)
}

func (c *ShopifyConfig) mapShopifyOrder(so *shopifyOrder) (OrderInput, error) {
	id := strings.TrimSpace(so.ID.String())
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w shopify order %s: %s: %s", oms.ErrInvalid, firstNonEmpty(so.Name, id, "(no id)"), field, fmt.Sprintf(format, args...))
	}
	if id == "" || id == "0" {
		return OrderInput{}, bad("id", "missing")
	}
	in := OrderInput{Channel: c.channel(), ExternalID: id, Currency: strings.ToUpper(strings.TrimSpace(so.Currency))}
	exp, ok := oms.CurrencyExponent(in.Currency)
	if !ok {
		return OrderInput{}, bad("currency", "%q is not an ISO 4217 currency code", so.Currency)
	}
	var cust shopifyCustomer
	if so.Customer != nil {
		cust = *so.Customer
	}
	var ship, bill shopifyAddress
	if so.ShippingAddress != nil {
		ship = *so.ShippingAddress
	}
	if so.BillingAddress != nil {
		bill = *so.BillingAddress
	}
	in.Customer = oms.Customer{
		Name:  firstNonEmpty(joinName(cust.FirstName, cust.LastName), ship.Name, joinName(ship.FirstName, ship.LastName), bill.Name, joinName(bill.FirstName, bill.LastName)),
		Email: firstNonEmpty(so.Email, so.ContactEmail, cust.Email),
		Phone: firstNonEmpty(so.Phone, cust.Phone, ship.Phone),
	}
	if so.ShippingAddress == nil {
		return OrderInput{}, bad("shipping_address", "missing (Packline ships orders; pickup and digital-only orders are not captured)")
	}
	in.ShipTo = oms.Address{
		Name:       firstNonEmpty(ship.Name, joinName(ship.FirstName, ship.LastName)),
		Company:    strings.TrimSpace(ship.Company),
		Street1:    strings.TrimSpace(ship.Address1),
		Street2:    strings.TrimSpace(ship.Address2),
		City:       strings.TrimSpace(ship.City),
		Region:     firstNonEmpty(ship.ProvinceCode, ship.Province),
		PostalCode: strings.TrimSpace(ship.Zip),
		Country:    strings.ToUpper(strings.TrimSpace(ship.CountryCode)),
		Phone:      strings.TrimSpace(ship.Phone),
	}
	if err := in.ShipTo.Validate(); err != nil {
		return OrderInput{}, bad("shipping_address", "%v", shopifyAddressField(err))
	}
	for i, li := range so.LineItems {
		if li.RequiresShipping != nil && !*li.RequiresShipping {
			continue
		}
		field := fmt.Sprintf("line_items[%d]", i+1)
		if strings.TrimSpace(li.SKU) == "" {
			return OrderInput{}, bad(field+".sku", "missing (item %q has no SKU in Shopify; give its variant a SKU)", li.Title)
		}
		if li.Quantity <= 0 {
			return OrderInput{}, bad(field+".quantity", "%d is not a positive quantity", li.Quantity)
		}
		price, err := parseAmount(li.Price.String(), exp)
		if err != nil {
			return OrderInput{}, bad(field+".price", "%v", err)
		}
		in.Lines = append(in.Lines, LineInput{SKU: strings.TrimSpace(li.SKU), Qty: li.Quantity, UnitPrice: price})
	}
	if len(in.Lines) == 0 {
		return OrderInput{}, errNothingToShip
	}
	in.ServiceLevel = oms.ServiceStandard
	if len(so.ShippingLines) > 0 {
		in.ServiceLevel = c.serviceLevel(so.ShippingLines[0])
	}
	return in, nil
}

// shopifyAddressField renames an address error's field to Shopify's name.
func shopifyAddressField(err error) string {
	msg := err.Error()
	for ours, theirs := range map[string]string{"street1:": "address1:", "street2:": "address2:", "postal_code:": "zip:", "country:": "country_code:", "region:": "province_code:"} {
		if strings.HasPrefix(msg, ours) {
			return theirs + strings.TrimPrefix(msg, ours)
		}
	}
	return msg
}

func (c *ShopifyConfig) serviceLevel(sl shopifyShippingLine) oms.ServiceLevel {
	for k, v := range c.ServiceLevels {
		if strings.EqualFold(k, strings.TrimSpace(sl.Code)) || strings.EqualFold(k, strings.TrimSpace(sl.Title)) {
			return v
		}
	}
	words := strings.ToLower(sl.Code + " " + sl.Title)
	switch {
	case strings.Contains(words, "next day"), strings.Contains(words, "next-day"), strings.Contains(words, "nextday"),
		strings.Contains(words, "next_day"), strings.Contains(words, "overnight"):
		return oms.ServiceNextDay
	case strings.Contains(words, "express"), strings.Contains(words, "priority"), strings.Contains(words, "expedited"):
		return oms.ServiceExpress
	}
	return oms.ServiceStandard
}

// shopifyOrdersCreate serves POST /v1/webhooks/shopify/orders-create.
// Nothing is stored unless the signature is right. Shopify retries any
// answer that is not 2xx, so an order refused for an unknown SKU is
// captured on a later retry once the SKU is in the catalog.
func (a *API) shopifyOrdersCreate(w http.ResponseWriter, r *http.Request) {
	cfg := &a.svc.Shopify
	if cfg.Secret == "" {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "shopify webhook is not configured: set secret in the [shopify] table"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ShopifyMaxBytes))
	if err != nil {
		a.writeError(w, r, fmt.Errorf("shopify webhook: read body: %w", err))
		return
	}
	if !verifyShopifyHMAC(cfg.Secret, body, r.Header.Get("X-Shopify-Hmac-Sha256")) {
		a.log.Warn("shopify webhook refused: bad signature", "remote", r.RemoteAddr, "shop", r.Header.Get("X-Shopify-Shop-Domain"))
		writeJSON(w, http.StatusUnauthorized, errorBody{Error: "X-Shopify-Hmac-Sha256: missing or wrong signature"})
		return
	}
	if shop := r.Header.Get("X-Shopify-Shop-Domain"); cfg.ShopDomain != "" && !strings.EqualFold(shop, cfg.ShopDomain) {
		writeJSON(w, http.StatusUnauthorized, errorBody{Error: fmt.Sprintf("X-Shopify-Shop-Domain: %q is not the configured shop", shop)})
		return
	}
	if topic := r.Header.Get("X-Shopify-Topic"); topic != "" && topic != "orders/create" {
		a.writeError(w, r, fmt.Errorf("%w: X-Shopify-Topic: %q; this endpoint takes orders/create", errBadRequest, topic))
		return
	}
	in, err := cfg.parseShopifyOrder(body)
	if errors.Is(err, errNothingToShip) {
		writeJSON(w, http.StatusOK, map[string]string{"ignored": err.Error()})
		return
	}
	if err == nil {
		var o oms.Order
		var created bool
		o, created, err = a.svc.Capture(r.Context(), in, "shopify")
		if err == nil {
			code := http.StatusOK
			if created {
				code = http.StatusCreated
				w.Header().Set("Location", "/v1/orders/"+o.ID)
			}
			writeJSON(w, code, map[string]any{"id": o.ID, "external_id": o.ExternalID, "created": created})
			return
		}
	}
	if errors.Is(err, oms.ErrInvalid) || errors.Is(err, errBadRequest) {
		a.log.Warn("shopify order refused", "shopify_order", in.ExternalID, "err", err)
	}
	a.writeError(w, r, err)
}
