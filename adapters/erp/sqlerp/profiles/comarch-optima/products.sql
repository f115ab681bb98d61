-- erpbridge: key order
-- The erpbridge-changed comment is where options.change_tracking (SQL
-- Server) puts its CHANGETABLE filter; otherwise it is only a comment.
-- One row per product and attribute value, in SKU (key) order, bytewise;
-- the adapter folds the rows of one product. Product cards that carry the
-- parent attribute are variants and are read by the variants query.
SELECT t.Twr_TwrId AS id,
       t.Twr_Kod AS sku,
       t.Twr_Nazwa AS name,
       t.Twr_Opis AS description,
       t.Twr_EAN AS ean,
       t.Twr_JM AS unit,
       t.Twr_Stawka AS vat_rate,
       t.Twr_WagaKG AS weight_kg,
       CASE WHEN t.Twr_NieAktywny = 0 THEN 1 ELSE 0 END AS active,
       t.Twr_ESklep AS eshop,
       CASE WHEN t.Twr_Typ = 0 THEN 1 ELSE 0 END AS service,
       g.TwG_Kod AS category_code,
       t.Twr_TS_Mod AS modified_at,
       d.DeA_Kod AS attribute_code,
       a.TwA_WartoscTxt AS attribute_value
FROM CDN.Towary t
LEFT JOIN CDN.TwrGrupy g ON g.TwG_GIDTyp = -16 AND g.TwG_GIDNumer = t.Twr_TwGGIDNumer
LEFT JOIN CDN.TwrAtrybuty a ON a.TwA_TwrId = t.Twr_TwrId
LEFT JOIN CDN.DefAtrybuty d ON d.DeA_DeAId = a.TwA_DeAId
WHERE NOT EXISTS (
    SELECT 1 FROM CDN.TwrAtrybuty pa
    JOIN CDN.DefAtrybuty pd ON pd.DeA_DeAId = pa.TwA_DeAId
    WHERE pa.TwA_TwrId = t.Twr_TwrId AND pd.DeA_Kod = :parent_attr)
  /*erpbridge-changed CDN.Towary t.Twr_TwrId*/
ORDER BY BYTE_ORDER(t.Twr_Kod), t.Twr_TwrId, a.TwA_TwAId
