-- Attribute classes.
SELECT k.AtK_Nazwa AS code,
       k.AtK_Nazwa AS name,
       CASE k.AtK_Typ WHEN 4 THEN 'date' WHEN 5 THEN 'binary' ELSE 'text' END AS type
FROM CDN.AtrybutyKlasy k
ORDER BY k.AtK_ID
