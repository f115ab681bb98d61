-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
-- Prices of every price type, joined to the type by its number.
SELECT t.Twr_Kod AS sku,
       c.DfC_Nazwa AS price_list,
       p.TwC_Wartosc AS amount,
       COALESCE(p.TwC_Waluta, c.DfC_Waluta, 'PLN') AS currency,
       CASE WHEN p.TwC_Typ = 2 THEN 1 ELSE 0 END AS gross
FROM CDN.TwrCeny p
JOIN CDN.Towary t ON t.Twr_TwrId = p.TwC_TwrID
JOIN CDN.DefCeny c ON c.DfC_Lp = p.TwC_TwCNumer
ORDER BY BYTE_ORDER(CONCAT(c.DfC_Nazwa, '|', t.Twr_Kod))
