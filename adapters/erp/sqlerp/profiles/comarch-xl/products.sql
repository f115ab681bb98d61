-- erpbridge: key order
-- The erpbridge-changed comment is where options.change_tracking (SQL
-- Server) puts its CHANGETABLE filter; otherwise it is only a comment.
-- One row per product, group membership and attribute value, ordered by
-- product; the adapter folds them. Twr_Typ 4 is a service. Cards with the
-- parent attribute are variants. Twr_LastModL counts seconds since
-- 1990-01-01 in ERP local time.
SELECT t.Twr_GIDNumer AS id,
       t.Twr_Kod AS sku,
       t.Twr_Nazwa AS name,
       o.TwO_Opis AS description,
       t.Twr_Ean AS ean,
       t.Twr_Jm AS unit,
       t.Twr_StawkaPodSpr AS vat_rate,
       CASE WHEN t.Twr_Archiwalny = 0 THEN 1 ELSE 0 END AS active,
       t.Twr_ESklep AS eshop,
       CASE WHEN t.Twr_Typ = 4 THEN 1 ELSE 0 END AS service,
       g.TwG_Kod AS category_code,
       t.Twr_LastModL AS modified_at,
       k.AtK_Nazwa AS attribute_code,
       a.Atr_Wartosc AS attribute_value
FROM CDN.TwrKarty t
LEFT JOIN CDN.TwrOpisy o ON o.TwO_TwrNumer = t.Twr_GIDNumer AND o.TwO_TwrLp = 1 AND o.TwO_Jezyk = :lang
LEFT JOIN CDN.TwrGrupy m ON m.TwG_GIDTyp = 16 AND m.TwG_GIDNumer = t.Twr_GIDNumer
LEFT JOIN CDN.TwrGrupy g ON g.TwG_GIDTyp = -16 AND g.TwG_GIDNumer = m.TwG_GrONumer
LEFT JOIN CDN.Atrybuty a ON a.Atr_ObiTyp = 16 AND a.Atr_ObiNumer = t.Twr_GIDNumer
LEFT JOIN CDN.AtrybutyKlasy k ON k.AtK_ID = a.Atr_AtkId
WHERE t.Twr_GIDTyp = 16 AND NOT EXISTS (
    SELECT 1 FROM CDN.Atrybuty pa
    JOIN CDN.AtrybutyKlasy pk ON pk.AtK_ID = pa.Atr_AtkId
    WHERE pa.Atr_ObiTyp = 16 AND pa.Atr_ObiNumer = t.Twr_GIDNumer AND pk.AtK_Nazwa = :parent_attr)
  /*erpbridge-changed CDN.TwrKarty t.Twr_GIDNumer*/
ORDER BY BYTE_ORDER(t.Twr_Kod), t.Twr_GIDNumer, a.Atr_Id
