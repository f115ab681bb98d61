-- Price types. DfC_Typ 2 is taken as gross (unverified; see docs).
SELECT c.DfC_Nazwa AS code,
       c.DfC_Nazwa AS name,
       COALESCE(c.DfC_Waluta, 'PLN') AS currency,
       CASE WHEN c.DfC_Typ = 2 THEN 1 ELSE 0 END AS gross,
       CASE WHEN c.DfC_Nieaktywna = 0 THEN 1 ELSE 0 END AS active
FROM CDN.DefCeny c
ORDER BY c.DfC_Lp
