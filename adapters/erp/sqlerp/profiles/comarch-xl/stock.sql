-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
-- Stock per product and warehouse: the sum of CDN.TwrZasoby, with the
-- unrealised quantity of active, unexpired reservations (Rez_GIDTyp 2576)
-- as reserved. A reservation for all warehouses (Rez_MagNumer 0) counts in
-- every warehouse, so that the hub never shows more than is free. The today
-- parameter is the current day in XL's day count (days since 1800-12-28).
SELECT t.Twr_Kod AS sku,
       m.MAG_Kod AS warehouse,
       z.on_hand AS on_hand,
       COALESCE(r.reserved, 0) + COALESCE(ra.reserved, 0) AS reserved
FROM (
    SELECT TwZ_TwrNumer, TwZ_MagNumer, SUM(TwZ_Ilosc) AS on_hand
    FROM CDN.TwrZasoby
    GROUP BY TwZ_TwrNumer, TwZ_MagNumer
) z
JOIN CDN.TwrKarty t ON t.Twr_GIDNumer = z.TwZ_TwrNumer
JOIN CDN.Magazyny m ON m.MAG_GIDNumer = z.TwZ_MagNumer
LEFT JOIN (
    SELECT Rez_TwrNumer, Rez_MagNumer, SUM(Rez_Ilosc - Rez_Zrealizowano) AS reserved
    FROM CDN.Rezerwacje
    WHERE Rez_GIDTyp = 2576 AND Rez_Aktywna = 1 AND Rez_MagNumer <> 0
      AND (Rez_DataWaznosci = 0 OR Rez_DataWaznosci >= :today)
    GROUP BY Rez_TwrNumer, Rez_MagNumer
) r ON r.Rez_TwrNumer = z.TwZ_TwrNumer AND r.Rez_MagNumer = z.TwZ_MagNumer
LEFT JOIN (
    SELECT Rez_TwrNumer, SUM(Rez_Ilosc - Rez_Zrealizowano) AS reserved
    FROM CDN.Rezerwacje
    WHERE Rez_GIDTyp = 2576 AND Rez_Aktywna = 1 AND Rez_MagNumer = 0
      AND (Rez_DataWaznosci = 0 OR Rez_DataWaznosci >= :today)
    GROUP BY Rez_TwrNumer
) ra ON ra.Rez_TwrNumer = z.TwZ_TwrNumer
ORDER BY BYTE_ORDER(CONCAT(m.MAG_Kod, '|', t.Twr_Kod))
