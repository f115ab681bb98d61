-- erpbridge: key order
-- Images: the URL attribute's text, or binary data in CDN.DaneBinarne
-- pointed at by the image attribute. Ordered by product, then attribute
-- row: the position is the row's number within its product.
SELECT t.Twr_TwrId AS product_id,
       t.Twr_Kod AS sku,
       CASE WHEN d.DeA_Kod = :image_url_attr THEN a.TwA_WartoscTxt END AS url,
       b.DAB_Wartosc AS data
FROM CDN.TwrAtrybuty a
JOIN CDN.DefAtrybuty d ON d.DeA_DeAId = a.TwA_DeAId
JOIN CDN.Towary t ON t.Twr_TwrId = a.TwA_TwrId
LEFT JOIN CDN.DaneBinarne b ON b.DAB_DABId = a.TwA_DABId AND d.DeA_Kod = :image_attr
WHERE d.DeA_Kod = :image_url_attr OR (d.DeA_Kod = :image_attr AND a.TwA_DABId IS NOT NULL)
ORDER BY BYTE_ORDER(t.Twr_Kod), t.Twr_TwrId, a.TwA_TwAId
