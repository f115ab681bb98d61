-- erpbridge: key order
-- Variant cards: products whose parent attribute holds the parent's SKU.
SELECT t.Twr_GIDNumer AS id,
       t.Twr_Kod AS sku,
       pa.Atr_Wartosc AS product_sku,
       t.Twr_Nazwa AS name,
       t.Twr_Ean AS ean,
       CASE WHEN t.Twr_Archiwalny = 0 THEN 1 ELSE 0 END AS active,
       t.Twr_LastModL AS modified_at,
       ok.AtK_Nazwa AS option_name,
       o.Atr_Wartosc AS option_value
FROM CDN.TwrKarty t
JOIN CDN.Atrybuty pa ON pa.Atr_ObiTyp = 16 AND pa.Atr_ObiNumer = t.Twr_GIDNumer
JOIN CDN.AtrybutyKlasy pk ON pk.AtK_ID = pa.Atr_AtkId AND pk.AtK_Nazwa = :parent_attr
LEFT JOIN CDN.Atrybuty o ON o.Atr_ObiTyp = 16 AND o.Atr_ObiNumer = t.Twr_GIDNumer AND o.Atr_Id <> pa.Atr_Id
LEFT JOIN CDN.AtrybutyKlasy ok ON ok.AtK_ID = o.Atr_AtkId
WHERE t.Twr_GIDTyp = 16
  /*erpbridge-changed CDN.TwrKarty t.Twr_GIDNumer*/
ORDER BY BYTE_ORDER(t.Twr_Kod), t.Twr_GIDNumer, o.Atr_Id
