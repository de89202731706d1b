package central

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/packline/packline/oms"
)

func TestIntegrationsConfigFromTOMLAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "omsd.toml")
	os.WriteFile(path, []byte(`
[shopify]
channel = "marketplace"
shop_domain = "example.myshopify.com"
service_levels = { "DHL-EXP" = "next_day" }

[notifications]
max_attempts = 5
retry_base = "45s"

[notifications.smtp]
host = "mail.example.com"
from = "Shop <orders@example.com>"
username = "orders"

[notifications.webhook]
url = "https://hooks.example.com/packline"
`), 0o600)
	t.Setenv("PACKLINE_SHOPIFY_SECRET", "from-env")
	t.Setenv("PACKLINE_SMTP_PASSWORD", "pw-from-env")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shopify.Secret != "from-env" || cfg.Shopify.Channel != oms.ChannelMarketplace || cfg.Shopify.ServiceLevels["DHL-EXP"] != oms.ServiceNextDay {
		t.Errorf("shopify = %+v", cfg.Shopify)
	}
	n := cfg.Notifications
	if n.MaxAttempts != 5 || time.Duration(n.RetryBase) != 45*time.Second || n.SMTP.Password != "pw-from-env" || n.Webhook.URL == "" {
		t.Errorf("notifications = %+v", n)
	}
	if err := cfg.Notifications.Validate(); err != nil {
		t.Error(err)
	}
	if err := cfg.Shopify.Validate(); err != nil {
		t.Error(err)
	}
}
