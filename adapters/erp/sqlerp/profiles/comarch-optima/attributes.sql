-- Attribute definitions. DeA_Format 4 is a date, 5 binary data.
SELECT d.DeA_Kod AS code,
       d.DeA_Kod AS name,
       CASE d.DeA_Format WHEN 4 THEN 'date' WHEN 5 THEN 'binary' ELSE 'text' END AS type
FROM CDN.DefAtrybuty d
ORDER BY d.DeA_DeAId
