-- Product groups (group nodes of CDN.TwrGrupy) become the category tree.
SELECT g.TwG_Kod AS code,
       p.TwG_Kod AS parent_code,
       g.TwG_Nazwa AS name
FROM CDN.TwrGrupy g
LEFT JOIN CDN.TwrGrupy p ON p.TwG_GIDTyp = -16 AND p.TwG_GIDNumer = g.TwG_GrONumer
WHERE g.TwG_GIDTyp = -16
ORDER BY g.TwG_GIDNumer
