-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
-- Generic (not customer-specific) active prices of active price lists.
SELECT t.Twr_Kod AS sku,
       n.TCN_Nazwa AS price_list,
       c.TwC_Wartosc AS amount,
       COALESCE(c.TwC_Waluta, n.TCN_WalutaCenySprzedazy, 'PLN') AS currency,
       CASE WHEN n.TCN_RodzajCeny = 2 THEN 1 ELSE 0 END AS gross
FROM CDN.TwrCeny c
JOIN CDN.TwrCenyNag n ON n.TCN_Id = c.TwC_TcnId
JOIN CDN.TwrKarty t ON t.Twr_GIDNumer = c.TwC_TwrNumer
WHERE c.TwC_KntNumer = 0 AND c.TwC_Aktywny = 1
ORDER BY BYTE_ORDER(CONCAT(n.TCN_Nazwa, '|', t.Twr_Kod))
