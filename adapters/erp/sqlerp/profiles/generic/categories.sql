SELECT c.code, c.parent_code, c.name FROM erpbridge_categories c ORDER BY c.code
