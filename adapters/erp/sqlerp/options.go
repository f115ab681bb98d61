package sqlerp

import (
	"fmt"
	"regexp"
	"time"
)

// Options are the "sql" ERP adapter's own settings, decoded from erp.options
// in the config file. Zero values take the documented defaults in New.
type Options struct {
	// ERPSchema is the schema (SQL Server, PostgreSQL), database (MySQL) or
	// attached database (SQLite) holding the ERP's tables. The shipped
	// profiles write it as CDN; any other value replaces that qualifier.
	ERPSchema string `yaml:"erp_schema" default:"CDN" doc:"Schema (SQL Server, PostgreSQL), database (MySQL) or attached database (SQLite) of the ERP's tables. The shipped profiles read CDN.*; another value replaces that qualifier."`
	// SQLiteAttach maps schema names to database files attached to every
	// SQLite connection (e.g. CDN: /data/optima.db). SQLite only.
	SQLiteAttach map[string]string `yaml:"sqlite_attach" doc:"SQLite only: schema name to database file attached to every connection (CDN: /data/optima.db)."`

	// StagingSchema is the schema (or MySQL database) of erpbridge's order
	// staging tables; empty means the login's default schema. It must never
	// be the ERP's own schema.
	StagingSchema string `yaml:"staging_schema" doc:"Schema (MySQL: database) of erpbridge's order staging tables, such as erpbridge. Empty: the login's default schema. CDN is refused."`
	// StagingPrefix is prepended to the staging table names.
	StagingPrefix string `yaml:"staging_prefix" default:"erpbridge_" doc:"Prefix of the staging table names (erpbridge_orders, erpbridge_order_lines)."`

	// CheckLimit is how many rows `erp check` reads per query.
	CheckLimit int `yaml:"check_limit" default:"5" doc:"Rows erpbridge erp check reads per query."`
	// Overlap is how far back each delta read and each order-result read
	// looks again; near a daylight-saving change one more hour is added. It
	// comes from the config's erp.overlap (erp.Params.Overlap), not from
	// erp.options.
	Overlap time.Duration `yaml:"-"`

	// ImageURLAttribute is the product attribute whose text is an image URL.
	ImageURLAttribute string `yaml:"image_url_attribute" default:"ZDJECIE_URL" doc:"Product attribute whose text is an image URL."`
	// ImageBaseURL is put in front of image URLs that are relative paths
	// (an attribute holding "foto/123.jpg" instead of a full URL).
	ImageBaseURL string `yaml:"image_base_url" doc:"Put in front of image URLs that are relative paths (foto/123.jpg)."`
	// ImageAttribute is the product attribute that points at binary image
	// data (Optima CDN.DaneBinarne). XL links images through CDN.DaneObiekty.
	ImageAttribute string `yaml:"image_attribute" default:"ZDJECIE" doc:"Optima product attribute pointing at binary image data (CDN.DaneBinarne)."`
	// ParentAttribute is the product attribute holding the parent product's
	// SKU on a product card that is a variant of that product.
	ParentAttribute string `yaml:"parent_attribute" default:"ERPBRIDGE_PARENT" doc:"Product attribute holding the parent product's SKU on a product card that is a variant of it."`
	// VariantAxes limits the attributes that become variant options; empty
	// means every attribute of the variant card except the internal ones.
	VariantAxes []string `yaml:"variant_axes" doc:"Attribute codes that become variant options. Empty: every attribute of the variant card except the internal ones."`
	// DescriptionLanguage is the Comarch XL CDN.TwrOpisy language number of
	// the product description.
	DescriptionLanguage int `yaml:"description_language" default:"0" doc:"Comarch XL: language number (TwO_Jezyk) of the description in CDN.TwrOpisy."`

	// Queries names SQL files that replace or supply profile queries, by
	// query name (products, prices, ...). Required for the custom profile.
	Queries map[string]string `yaml:"queries" doc:"Query name (products, prices, ...; or name.dialect) to SQL file. The whole custom profile, or overrides of a shipped one. See docs/staging-contract.md."`
	// Watermark is how the custom profile's modified_at columns count time:
	// datetime (ERP local time) or comarch-xl-seconds.
	Watermark string `yaml:"watermark" default:"datetime" doc:"How the custom profile's modified_at counts time: datetime (ERP local time) or comarch-xl-seconds."`

	// ChangeTracking reads product changes with SQL Server Change Tracking
	// (CHANGETABLE) instead of the modified_at watermark; driver sqlserver
	// only, and the DBA must enable tracking on the products table.
	ChangeTracking bool `yaml:"change_tracking" doc:"Read product changes with SQL Server Change Tracking (CHANGETABLE) instead of the modified_at watermark; falls back to a full read when the hub's version is older than CHANGE_TRACKING_MIN_VALID_VERSION. Driver sqlserver only; the DBA enables tracking on the products table (docs/comarch.md). Never run against a real SQL Server here."`

	// MaxOpenConns caps the connection pool.
	MaxOpenConns int `yaml:"max_open_conns" default:"4" doc:"Most connections open to the ERP database at once."`
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.ERPSchema == "" {
		o.ERPSchema = "CDN"
	}
	if o.StagingPrefix == "" {
		o.StagingPrefix = "erpbridge_"
	}
	if o.CheckLimit <= 0 {
		o.CheckLimit = 5
	}
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Minute
	}
	if o.ImageURLAttribute == "" {
		o.ImageURLAttribute = "ZDJECIE_URL"
	}
	if o.ImageAttribute == "" {
		o.ImageAttribute = "ZDJECIE"
	}
	if o.ParentAttribute == "" {
		o.ParentAttribute = "ERPBRIDGE_PARENT"
	}
	if o.Watermark == "" {
		o.Watermark = watermarkDatetime
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 4
	}
	return o
}

// ValidateFor checks the options that depend on the ERP's database driver;
// config check calls it with erp.driver.
func (o Options) ValidateFor(driver string) error {
	if !o.ChangeTracking {
		return nil
	}
	if d, err := DialectOf(driver); err != nil || d != DialectSQLServer {
		return fmt.Errorf("sqlerp: options.change_tracking needs driver sqlserver (SQL Server Change Tracking), not %q; remove change_tracking, deltas then use the modified_at watermark", driver)
	}
	return nil
}

// validate checks the options against each other.
func (o Options) validate() error {
	if !identRe.MatchString(o.ERPSchema) {
		return fmt.Errorf("sqlerp: options.erp_schema %q: use letters, digits and _", o.ERPSchema)
	}
	if o.StagingSchema != "" && !identRe.MatchString(o.StagingSchema) {
		return fmt.Errorf("sqlerp: options.staging_schema %q: use letters, digits and _", o.StagingSchema)
	}
	if o.StagingPrefix != "" && !regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`).MatchString(o.StagingPrefix) {
		return fmt.Errorf("sqlerp: options.staging_prefix %q: use letters, digits and _", o.StagingPrefix)
	}
	if equalFold(o.StagingSchema, "CDN") {
		return fmt.Errorf("sqlerp: options.staging_schema %q is Comarch's own schema; use a schema erpbridge owns, e.g. erpbridge", o.StagingSchema)
	}
	switch o.Watermark {
	case watermarkDatetime, watermarkXLSeconds:
	default:
		return fmt.Errorf("sqlerp: options.watermark %q: use %s or %s", o.Watermark, watermarkDatetime, watermarkXLSeconds)
	}
	for name := range o.SQLiteAttach {
		if !identRe.MatchString(name) {
			return fmt.Errorf("sqlerp: options.sqlite_attach: schema name %q: use letters, digits and _", name)
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
