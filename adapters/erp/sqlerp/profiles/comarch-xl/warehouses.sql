SELECT m.MAG_Kod AS code,
       m.MAG_Nazwa AS name
FROM CDN.Magazyny m
ORDER BY m.MAG_GIDNumer
