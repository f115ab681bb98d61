package sqlfixture

import (
	"context"
	"fmt"
	"strings"
)

// genericViews are the generic profile's views defined over the Optima
// shape: an example of what an administrator creates (docs/staging-contract.md
// documents each view's columns). {S} qualifies the ERP tables.
var genericViews = []struct{ name, body string }{
	{"erpbridge_categories", `SELECT g.TwG_Kod AS code, p.TwG_Kod AS parent_code, g.TwG_Nazwa AS name
FROM {S}TwrGrupy g LEFT JOIN {S}TwrGrupy p ON p.TwG_GIDTyp = -16 AND p.TwG_GIDNumer = g.TwG_GrONumer
WHERE g.TwG_GIDTyp = -16`},
	{"erpbridge_attributes", `SELECT d.DeA_Kod AS code, d.DeA_Kod AS name,
CASE d.DeA_Format WHEN 4 THEN 'date' WHEN 5 THEN 'binary' ELSE 'text' END AS type
FROM {S}DefAtrybuty d`},
	{"erpbridge_price_lists", `SELECT c.DfC_Nazwa AS code, c.DfC_Nazwa AS name, COALESCE(c.DfC_Waluta, 'PLN') AS currency,
CASE WHEN c.DfC_Typ = 2 THEN 1 ELSE 0 END AS gross, CASE WHEN c.DfC_Nieaktywna = 0 THEN 1 ELSE 0 END AS active
FROM {S}DefCeny c`},
	{"erpbridge_warehouses", `SELECT m.Mag_Symbol AS code, m.Mag_Nazwa AS name FROM {S}Magazyny m`},
	{"erpbridge_products", `SELECT t.Twr_TwrId AS id, t.Twr_Kod AS sku, t.Twr_Nazwa AS name, t.Twr_Opis AS description,
t.Twr_EAN AS ean, t.Twr_JM AS unit, t.Twr_Stawka AS vat_rate, t.Twr_WagaKG AS weight_kg,
CASE WHEN t.Twr_NieAktywny = 0 THEN 1 ELSE 0 END AS active, t.Twr_ESklep AS eshop,
CASE WHEN t.Twr_Typ = 0 THEN 1 ELSE 0 END AS service, g.TwG_Kod AS category_code, t.Twr_TS_Mod AS modified_at
FROM {S}Towary t LEFT JOIN {S}TwrGrupy g ON g.TwG_GIDTyp = -16 AND g.TwG_GIDNumer = t.Twr_TwGGIDNumer
WHERE NOT EXISTS (SELECT 1 FROM {S}TwrAtrybuty pa JOIN {S}DefAtrybuty pd ON pd.DeA_DeAId = pa.TwA_DeAId
  WHERE pa.TwA_TwrId = t.Twr_TwrId AND pd.DeA_Kod = 'ERPBRIDGE_PARENT')`},
	{"erpbridge_product_attributes", `SELECT a.TwA_TwrId AS product_id, d.DeA_Kod AS code, a.TwA_WartoscTxt AS value
FROM {S}TwrAtrybuty a JOIN {S}DefAtrybuty d ON d.DeA_DeAId = a.TwA_DeAId
WHERE d.DeA_Kod NOT IN ('ZDJECIE_URL', 'ZDJECIE', 'ERPBRIDGE_PARENT') AND a.TwA_WartoscTxt IS NOT NULL`},
	{"erpbridge_variants", `SELECT t.Twr_TwrId AS id, t.Twr_Kod AS sku, pa.TwA_WartoscTxt AS product_sku, t.Twr_Nazwa AS name,
t.Twr_EAN AS ean, CASE WHEN t.Twr_NieAktywny = 0 THEN 1 ELSE 0 END AS active, t.Twr_TS_Mod AS modified_at
FROM {S}Towary t JOIN {S}TwrAtrybuty pa ON pa.TwA_TwrId = t.Twr_TwrId
JOIN {S}DefAtrybuty pd ON pd.DeA_DeAId = pa.TwA_DeAId AND pd.DeA_Kod = 'ERPBRIDGE_PARENT'`},
	{"erpbridge_variant_options", `SELECT a.TwA_TwrId AS variant_id, d.DeA_Kod AS name, a.TwA_WartoscTxt AS value
FROM {S}TwrAtrybuty a JOIN {S}DefAtrybuty d ON d.DeA_DeAId = a.TwA_DeAId
WHERE d.DeA_Kod NOT IN ('ZDJECIE_URL', 'ZDJECIE', 'ERPBRIDGE_PARENT')
  AND EXISTS (SELECT 1 FROM {S}TwrAtrybuty pa JOIN {S}DefAtrybuty pd ON pd.DeA_DeAId = pa.TwA_DeAId
    WHERE pa.TwA_TwrId = a.TwA_TwrId AND pd.DeA_Kod = 'ERPBRIDGE_PARENT')`},
	{"erpbridge_images", `SELECT t.Twr_TwrId AS product_id, t.Twr_Kod AS sku, a.TwA_TwAId AS position,
CASE WHEN d.DeA_Kod = 'ZDJECIE_URL' THEN a.TwA_WartoscTxt END AS url, b.DAB_Wartosc AS data
FROM {S}TwrAtrybuty a JOIN {S}DefAtrybuty d ON d.DeA_DeAId = a.TwA_DeAId
JOIN {S}Towary t ON t.Twr_TwrId = a.TwA_TwrId
LEFT JOIN {S}DaneBinarne b ON b.DAB_DABId = a.TwA_DABId
WHERE d.DeA_Kod IN ('ZDJECIE_URL', 'ZDJECIE')`},
	{"erpbridge_prices", `SELECT t.Twr_Kod AS sku, c.DfC_Nazwa AS price_list, p.TwC_Wartosc AS amount,
COALESCE(p.TwC_Waluta, c.DfC_Waluta, 'PLN') AS currency, CASE WHEN p.TwC_Typ = 2 THEN 1 ELSE 0 END AS gross
FROM {S}TwrCeny p JOIN {S}Towary t ON t.Twr_TwrId = p.TwC_TwrID JOIN {S}DefCeny c ON c.DfC_Lp = p.TwC_TwCNumer`},
	{"erpbridge_stock", `SELECT t.Twr_Kod AS sku, m.Mag_Symbol AS warehouse, i.TwI_Ilosc AS on_hand,
COALESCE(i.TwI_Rezerwacje, 0) AS reserved
FROM {S}TwrIlosci i JOIN {S}Towary t ON t.Twr_TwrId = i.TwI_TwrId JOIN {S}Magazyny m ON m.Mag_MagId = i.TwI_MagId
WHERE NOT EXISTS (SELECT 1 FROM {S}TwrIlosci n
  WHERE n.TwI_TwrId = i.TwI_TwrId AND n.TwI_MagId = i.TwI_MagId AND n.TwI_Data > i.TwI_Data)`},
	// The Optima shape keeps no rates, so this view lists a few itself.
	{"erpbridge_currency_rates", `SELECT 'EUR' AS currency, 4.2512 AS rate, '2026-01-02' AS valid_from
UNION ALL SELECT 'EUR', 4.2100, '2026-06-01'
UNION ALL SELECT 'USD', 3.9876, '2026-01-02'`},
}

// CreateGenericViews creates the generic profile's views over the Optima
// tables in t.Schema. On SQLite the views live in the attached database
// next to the tables, because a view cannot reach into another database.
func CreateGenericViews(ctx context.Context, t Target) error {
	for _, v := range genericViews {
		body := strings.ReplaceAll(v.body, "{S}", t.qual())
		if t.Dialect == "sqlite" {
			body = strings.ReplaceAll(v.body, "{S}", "")
		}
		q := fmt.Sprintf("CREATE VIEW %s%s AS\n%s", t.qual(), v.name, body)
		if _, err := t.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlfixture: create view %s: %w", v.name, err)
		}
	}
	return nil
}
