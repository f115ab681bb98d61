-- erpbridge: key order
-- Images: the URL attribute's text, then binary data linked through
-- CDN.DaneObiekty. Ordered by product; the position is the row's number
-- within its product.
SELECT x.product_id, x.sku, x.url, x.data
FROM (
    SELECT t.Twr_GIDNumer AS product_id, t.Twr_Kod AS sku, a.Atr_Wartosc AS url,
           NULL AS data, 0 AS src, a.Atr_Id AS ord
    FROM CDN.Atrybuty a
    JOIN CDN.AtrybutyKlasy k ON k.AtK_ID = a.Atr_AtkId AND k.AtK_Nazwa = :image_url_attr
    JOIN CDN.TwrKarty t ON t.Twr_GIDNumer = a.Atr_ObiNumer
    WHERE a.Atr_ObiTyp = 16
    UNION ALL
    SELECT t.Twr_GIDNumer, t.Twr_Kod, NULL, b.DAB_Dane, 1, b.DAB_ID
    FROM CDN.DaneObiekty o
    JOIN CDN.DaneBinarne b ON b.DAB_ID = o.DAO_DABId
    JOIN CDN.TwrKarty t ON t.Twr_GIDNumer = o.DAO_ObiNumer
    WHERE o.DAO_ObiTyp = 16
) x
ORDER BY BYTE_ORDER(x.sku), x.product_id, x.src, x.ord
