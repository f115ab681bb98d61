SELECT w.code, w.name FROM erpbridge_warehouses w ORDER BY w.code
