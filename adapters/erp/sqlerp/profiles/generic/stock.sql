SELECT s.sku, s.warehouse, s.on_hand, s.reserved FROM erpbridge_stock s
