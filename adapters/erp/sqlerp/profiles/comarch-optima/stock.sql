-- erpbridge: key order
-- Rows in key order (price list or warehouse, '|', SKU), bytewise, so the
-- hub compares them with its mirror without holding either in memory.
-- Current stock: the latest CDN.TwrIlosci row per product and warehouse
-- (rows with no warehouse are totals and are left out).
-- Available = TwI_Ilosc - TwI_Rezerwacje, computed by the adapter.
SELECT t.Twr_Kod AS sku,
       m.Mag_Symbol AS warehouse,
       i.TwI_Ilosc AS on_hand,
       COALESCE(i.TwI_Rezerwacje, 0) AS reserved
FROM CDN.TwrIlosci i
JOIN CDN.Towary t ON t.Twr_TwrId = i.TwI_TwrId
JOIN CDN.Magazyny m ON m.Mag_MagId = i.TwI_MagId
WHERE NOT EXISTS (
    SELECT 1 FROM CDN.TwrIlosci n
    WHERE n.TwI_TwrId = i.TwI_TwrId AND n.TwI_MagId = i.TwI_MagId AND n.TwI_Data > i.TwI_Data)
ORDER BY BYTE_ORDER(CONCAT(m.Mag_Symbol, '|', t.Twr_Kod))
