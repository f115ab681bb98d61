-- Price list headers. TCN_RodzajCeny 2 is taken as gross (unverified).
SELECT n.TCN_Nazwa AS code,
       n.TCN_Nazwa AS name,
       COALESCE(n.TCN_WalutaCenySprzedazy, 'PLN') AS currency,
       CASE WHEN n.TCN_RodzajCeny = 2 THEN 1 ELSE 0 END AS gross,
       n.TCN_Aktywny AS active
FROM CDN.TwrCenyNag n
ORDER BY n.TCN_Id
