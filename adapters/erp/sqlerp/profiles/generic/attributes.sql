SELECT a.code, a.name, a.type FROM erpbridge_attributes a ORDER BY a.code
