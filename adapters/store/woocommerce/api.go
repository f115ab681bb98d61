package woocommerce

import "encoding/json"

// Wire formats of the WooCommerce REST API v3 that the adapter reads.

// wpDate is how WordPress writes dates: no zone.
const wpDate = "2006-01-02T15:04:05"

type wcImage struct {
	ID   int    `json:"id"`
	Src  string `json:"src"`
	Name string `json:"name"`
}

type wcAttribute struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	Visible   bool     `json:"visible"`
	Variation bool     `json:"variation"`
	Options   []string `json:"options"`
	Option    string   `json:"option"`
}

// wcProduct is a product or variation as read back.
type wcProduct struct {
	ID             int           `json:"id"`
	ParentID       int           `json:"parent_id"`
	Type           string        `json:"type"`
	Status         string        `json:"status"`
	SKU            string        `json:"sku"`
	GlobalUniqueID string        `json:"global_unique_id"`
	Images         []wcImage     `json:"images"`
	Image          *wcImage      `json:"image"`
	Attributes     []wcAttribute `json:"attributes"`
}

type wcCategory struct {
	ID     int    `json:"id"`
	Slug   string `json:"slug"`
	Parent int    `json:"parent"`
}

// batchEntry is one result of a batch call: the object, or {id, error}.
type batchEntry struct {
	ID       int      `json:"id"`
	ParentID int      `json:"parent_id"`
	Slug     string   `json:"slug"`
	Error    *wpError `json:"error"`
}

type batchResponse struct {
	Create []batchEntry `json:"create"`
	Update []batchEntry `json:"update"`
	Delete []batchEntry `json:"delete"`
}

type wcMeta struct {
	ID    int             `json:"id"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type wcNote struct {
	ID   int    `json:"id"`
	Note string `json:"note"`
}
