-- erpbridge: key order
-- Variant cards: products whose parent attribute holds the parent's SKU.
-- One row per variant and attribute value; the adapter keeps the axes.
SELECT t.Twr_TwrId AS id,
       t.Twr_Kod AS sku,
       pa.TwA_WartoscTxt AS product_sku,
       t.Twr_Nazwa AS name,
       t.Twr_EAN AS ean,
       CASE WHEN t.Twr_NieAktywny = 0 THEN 1 ELSE 0 END AS active,
       t.Twr_TS_Mod AS modified_at,
       od.DeA_Kod AS option_name,
       o.TwA_WartoscTxt AS option_value
FROM CDN.Towary t
JOIN CDN.TwrAtrybuty pa ON pa.TwA_TwrId = t.Twr_TwrId
JOIN CDN.DefAtrybuty pd ON pd.DeA_DeAId = pa.TwA_DeAId AND pd.DeA_Kod = :parent_attr
  /*erpbridge-changed CDN.Towary t.Twr_TwrId*/
LEFT JOIN CDN.TwrAtrybuty o ON o.TwA_TwrId = t.Twr_TwrId AND o.TwA_TwAId <> pa.TwA_TwAId
LEFT JOIN CDN.DefAtrybuty od ON od.DeA_DeAId = o.TwA_DeAId
ORDER BY BYTE_ORDER(t.Twr_Kod), t.Twr_TwrId, o.TwA_TwAId
