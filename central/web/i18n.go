package web

import (
	"net/http"

	"golang.org/x/text/language"
)

// langs are the languages the pages speak; the first is the fallback.
var langs = []language.Tag{language.English, language.German}

var matcher = language.NewMatcher(langs)

// messages holds every text of the pages, per language.
var messages = map[string]map[string]string{
	"en": {
		"title.track": "Track your parcel", "title.order": "Your order", "title.return": "Your return",
		"status": "Status", "ordered": "Received", "processing": "Being prepared", "received": "Received",
		"packed": "Packed", "shipped": "Shipped", "partially_shipped": "Partly shipped", "out_for_delivery": "Out for delivery",
		"delivered": "Delivered", "cancelled": "Cancelled", "return_authorized": "Return authorised",
		"return_received": "Return received", "refunded": "Refunded", "exchanged": "Exchanged",
		"carrier": "Carrier", "tracking": "Tracking number", "track_at_carrier": "Follow it at the carrier",
		"estimated": "Estimated delivery", "destination": "Destination", "parcels": "Parcels", "items": "Items",
		"qty": "Qty", "shipments": "Shipments", "timeline": "Progress", "none_yet": "Not shipped yet",
		"return_title": "Return items", "return_intro": "Choose what you are sending back and why.",
		"reason": "Reason", "condition": "Condition", "submit_return": "Request return",
		"reason.too_small": "Too small", "reason.too_large": "Too large", "reason.damaged": "Arrived damaged",
		"reason.not_as_described": "Not as described", "reason.changed_mind": "Changed my mind",
		"cond.unopened": "Unopened", "cond.opened": "Opened", "cond.used": "Used", "cond.damaged": "Damaged", "cond.defective": "Defective",
		"rma": "Return number", "rma_next": "Print the label, stick it on the parcel and hand it to the carrier.",
		"label": "Return label (PNG)", "window_closed": "The return window for this order has closed.",
		"not_delivered": "Returns open once the order is delivered.", "return_error": "The return could not be created.",
		"nothing_chosen": "Choose at least one item to return.", "not_found": "We could not find that.",
		"bad_quantity": "The return was not created: choose how many of each item to send back from the list.",
		"bad_reason":   "The return was not created: choose a reason from the list.", "bad_condition": "The return was not created: choose the condition of the items from the list.",
		"too_many": "Too many lookups. Please wait a minute and try again.", "forbidden": "This form has expired. Please reload the page and try again.",
		"nothing_left": "Everything from this order is already on a return.", "return_unavailable": "Returns cannot be requested right now. Please try again later.",
		"back": "Back to your order",
	},
	"de": {
		"title.track": "Sendung verfolgen", "title.order": "Ihre Bestellung", "title.return": "Ihre Rücksendung",
		"status": "Status", "ordered": "Eingegangen", "processing": "In Bearbeitung", "received": "Eingegangen",
		"packed": "Verpackt", "shipped": "Versandt", "partially_shipped": "Teilweise versandt", "out_for_delivery": "In Zustellung",
		"delivered": "Zugestellt", "cancelled": "Storniert", "return_authorized": "Rücksendung genehmigt",
		"return_received": "Rücksendung eingegangen", "refunded": "Erstattet", "exchanged": "Umgetauscht",
		"carrier": "Versanddienst", "tracking": "Sendungsnummer", "track_at_carrier": "Beim Versanddienst verfolgen",
		"estimated": "Voraussichtliche Zustellung", "destination": "Ziel", "parcels": "Pakete", "items": "Artikel",
		"qty": "Menge", "shipments": "Sendungen", "timeline": "Verlauf", "none_yet": "Noch nicht versandt",
		"return_title": "Artikel zurücksenden", "return_intro": "Wählen Sie, was Sie zurücksenden und warum.",
		"reason": "Grund", "condition": "Zustand", "submit_return": "Rücksendung anfordern",
		"reason.too_small": "Zu klein", "reason.too_large": "Zu groß", "reason.damaged": "Beschädigt angekommen",
		"reason.not_as_described": "Nicht wie beschrieben", "reason.changed_mind": "Gefällt mir nicht mehr",
		"cond.unopened": "Ungeöffnet", "cond.opened": "Geöffnet", "cond.used": "Benutzt", "cond.damaged": "Beschädigt", "cond.defective": "Defekt",
		"rma": "Rücksendenummer", "rma_next": "Drucken Sie das Etikett aus, kleben Sie es auf das Paket und geben Sie es beim Versanddienst ab.",
		"label": "Rücksendeetikett (PNG)", "window_closed": "Die Rückgabefrist für diese Bestellung ist abgelaufen.",
		"not_delivered": "Rücksendungen sind nach der Zustellung möglich.", "return_error": "Die Rücksendung konnte nicht angelegt werden.",
		"nothing_chosen": "Wählen Sie mindestens einen Artikel.", "not_found": "Das haben wir nicht gefunden.",
		"bad_quantity": "Die Rücksendung wurde nicht angelegt: Wählen Sie aus der Liste, wie viele von jedem Artikel zurückgehen.",
		"bad_reason":   "Die Rücksendung wurde nicht angelegt: Wählen Sie einen Grund aus der Liste.", "bad_condition": "Die Rücksendung wurde nicht angelegt: Wählen Sie den Zustand der Artikel aus der Liste.",
		"too_many": "Zu viele Anfragen. Bitte warten Sie eine Minute.", "forbidden": "Dieses Formular ist abgelaufen. Bitte laden Sie die Seite neu.",
		"nothing_left": "Alle Artikel dieser Bestellung sind bereits für eine Rücksendung angemeldet.", "return_unavailable": "Rücksendungen sind gerade nicht möglich. Bitte versuchen Sie es später noch einmal.",
		"back": "Zurück zur Bestellung",
	},
}

// reasons and conditions are the choices of the return form.
var reasons = []string{"too_small", "too_large", "damaged", "not_as_described", "changed_mind"}

// lang picks the page language from Accept-Language.
func lang(r *http.Request) string {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := matcher.Match(tags...)
	base, _ := langs[i].Base()
	return base.String()
}

// translator returns the text function for a language; an unknown key
// shows itself, so a missing translation is visible, never blank.
func translator(l string) func(string) string {
	m := messages[l]
	return func(key string) string {
		if s, ok := m[key]; ok {
			return s
		}
		if s, ok := messages["en"][key]; ok {
			return s
		}
		return key
	}
}
