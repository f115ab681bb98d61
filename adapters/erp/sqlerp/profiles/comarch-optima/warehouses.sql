SELECT m.Mag_Symbol AS code,
       m.Mag_Nazwa AS name
FROM CDN.Magazyny m
ORDER BY m.Mag_MagId
