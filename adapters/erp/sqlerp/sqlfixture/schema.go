// Package sqlfixture writes the erpdata data set into Comarch-Optima-shaped
// and Comarch-XL-shaped databases (the same table and column names as the
// real ERPs, only those the profiles use plus a few realistic extras) on
// SQL Server, PostgreSQL, MySQL/MariaDB and SQLite, and creates the generic
// profile's views over the Optima shape. Rows go in with multi-row inserts
// inside one transaction.
package sqlfixture

import (
	"fmt"
	"strings"
)

// col is a fixture column: name and an abstract type.
type col struct {
	name, typ string
}

// table is a fixture table.
type table struct {
	name    string
	cols    []col
	pk      []string
	indexes [][]string
}

// Abstract types: int, small, dec52, dec, str:N, nstr:N, text, time, blob.
func typeSQL(dialect, typ string) string {
	kind, size, _ := strings.Cut(typ, ":")
	switch kind {
	case "int":
		return "INT"
	case "small":
		return "SMALLINT"
	case "dec52":
		return "DECIMAL(5,2)"
	case "dec":
		return "DECIMAL(15,4)"
	case "str":
		return "VARCHAR(" + size + ")"
	case "nstr":
		if dialect == "sqlserver" {
			return "NVARCHAR(" + size + ")"
		}
		return "VARCHAR(" + size + ")"
	case "text":
		switch dialect {
		case "sqlserver":
			return "NVARCHAR(MAX)"
		case "mysql":
			return "LONGTEXT"
		}
		return "TEXT"
	case "time":
		switch dialect {
		case "postgres":
			return "TIMESTAMP"
		}
		return "DATETIME"
	case "blob":
		switch dialect {
		case "sqlserver":
			return "VARBINARY(MAX)"
		case "postgres":
			return "BYTEA"
		case "mysql":
			return "LONGBLOB"
		}
		return "BLOB"
	}
	return typ
}

func (t table) colNames() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

// ddl returns the CREATE TABLE and CREATE INDEX statements of t, with the
// table name prefixed by qual ("CDN." or "").
func (t table) ddl(dialect, qual string) []string {
	var lines []string
	for _, c := range t.cols {
		lines = append(lines, c.name+" "+typeSQL(dialect, c.typ))
	}
	lines = append(lines, "PRIMARY KEY ("+strings.Join(t.pk, ", ")+")")
	s := fmt.Sprintf("CREATE TABLE %s%s (\n    %s\n)", qual, t.name, strings.Join(lines, ",\n    "))
	if dialect == "mysql" {
		s += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	}
	out := []string{s}
	for k, idx := range t.indexes {
		name := fmt.Sprintf("IX_%s_%d", t.name, k+1)
		switch dialect {
		case "sqlite":
			// SQLite puts the schema on the index name, not the table.
			out = append(out, fmt.Sprintf("CREATE INDEX %s%s ON %s (%s)", qual, name, t.name, strings.Join(idx, ", ")))
		default:
			out = append(out, fmt.Sprintf("CREATE INDEX %s ON %s%s (%s)", name, qual, t.name, strings.Join(idx, ", ")))
		}
	}
	return out
}

// Optima tables.
var (
	optTowary = table{name: "Towary", pk: []string{"Twr_TwrId"}, cols: []col{
		{"Twr_TwrId", "int"}, {"Twr_Kod", "str:50"}, {"Twr_Nazwa", "nstr:255"}, {"Twr_EAN", "str:40"},
		{"Twr_Opis", "text"}, {"Twr_JM", "str:10"}, {"Twr_Stawka", "dec52"}, {"Twr_TwGGIDNumer", "int"},
		{"Twr_Typ", "small"}, {"Twr_NieAktywny", "small"}, {"Twr_WagaKG", "dec"}, {"Twr_ESklep", "small"},
		{"Twr_TS_Zal", "time"}, {"Twr_TS_Mod", "time"}, {"Twr_PKWiU", "str:20"},
	}, indexes: [][]string{{"Twr_TS_Mod"}}}
	optTwrGrupy = table{name: "TwrGrupy", pk: []string{"TwG_TwGID"}, cols: []col{
		{"TwG_TwGID", "int"}, {"TwG_GIDTyp", "small"}, {"TwG_GIDNumer", "int"}, {"TwG_GrONumer", "int"},
		{"TwG_Kod", "str:50"}, {"TwG_Nazwa", "nstr:255"},
	}}
	optDefAtrybuty = table{name: "DefAtrybuty", pk: []string{"DeA_DeAId"}, cols: []col{
		{"DeA_DeAId", "int"}, {"DeA_Kod", "str:40"}, {"DeA_Typ", "small"}, {"DeA_Format", "small"},
	}}
	optTwrAtrybuty = table{name: "TwrAtrybuty", pk: []string{"TwA_TwAId"}, cols: []col{
		{"TwA_TwAId", "int"}, {"TwA_TwrId", "int"}, {"TwA_DeAId", "int"}, {"TwA_WartoscTxt", "nstr:255"}, {"TwA_DABId", "int"},
	}, indexes: [][]string{{"TwA_TwrId"}}}
	optDaneBinarne = table{name: "DaneBinarne", pk: []string{"DAB_DABId"}, cols: []col{
		{"DAB_DABId", "int"}, {"DAB_Wartosc", "blob"}, {"DAB_Nazwa", "nstr:255"},
	}}
	optDefCeny = table{name: "DefCeny", pk: []string{"DfC_DfCId"}, cols: []col{
		{"DfC_DfCId", "int"}, {"DfC_Lp", "small"}, {"DfC_Nazwa", "nstr:40"}, {"DfC_Typ", "small"},
		{"DfC_Waluta", "str:3"}, {"DfC_Nieaktywna", "small"},
	}}
	optTwrCeny = table{name: "TwrCeny", pk: []string{"TwC_TwCID"}, cols: []col{
		{"TwC_TwCID", "int"}, {"TwC_TwrID", "int"}, {"TwC_TwCNumer", "small"}, {"TwC_Wartosc", "dec"},
		{"TwC_Waluta", "str:3"}, {"TwC_Typ", "small"}, {"TwC_Zaokraglenie", "dec"}, {"TwC_Marza", "dec"},
	}, indexes: [][]string{{"TwC_TwrID"}}}
	optMagazyny = table{name: "Magazyny", pk: []string{"Mag_MagId"}, cols: []col{
		{"Mag_MagId", "int"}, {"Mag_Symbol", "str:20"}, {"Mag_Nazwa", "nstr:255"},
	}}
	optTwrIlosci = table{name: "TwrIlosci", pk: []string{"TwI_TwIId"}, cols: []col{
		{"TwI_TwIId", "int"}, {"TwI_TwrId", "int"}, {"TwI_MagId", "int"}, {"TwI_Data", "time"},
		{"TwI_Ilosc", "dec"}, {"TwI_Rezerwacje", "dec"}, {"TwI_Zamowienia", "dec"},
	}, indexes: [][]string{{"TwI_TwrId", "TwI_MagId", "TwI_Data"}}}
	optTwrZasoby = table{name: "TwrZasoby", pk: []string{"TwZ_TwZId"}, cols: []col{
		{"TwZ_TwZId", "int"}, {"TwZ_TwrId", "int"}, {"TwZ_MagId", "int"}, {"TwZ_Ilosc", "dec"},
	}}
	optimaTables = []table{optTowary, optTwrGrupy, optDefAtrybuty, optTwrAtrybuty, optDaneBinarne,
		optDefCeny, optTwrCeny, optMagazyny, optTwrIlosci, optTwrZasoby}
)

// XL tables.
var (
	xlTwrKarty = table{name: "TwrKarty", pk: []string{"Twr_GIDNumer"}, cols: []col{
		{"Twr_GIDTyp", "small"}, {"Twr_GIDNumer", "int"}, {"Twr_Kod", "str:40"}, {"Twr_Nazwa", "nstr:255"},
		{"Twr_Ean", "str:40"}, {"Twr_Jm", "str:10"}, {"Twr_Typ", "small"}, {"Twr_StawkaPodSpr", "dec52"},
		{"Twr_Archiwalny", "small"}, {"Twr_ESklep", "small"}, {"Twr_LastModL", "int"}, {"Twr_LastModO", "int"},
		{"Twr_LastModC", "int"},
	}, indexes: [][]string{{"Twr_LastModL"}}}
	xlTwrOpisy = table{name: "TwrOpisy", pk: []string{"TwO_TwrNumer", "TwO_TwrLp", "TwO_Jezyk"}, cols: []col{
		{"TwO_TwrNumer", "int"}, {"TwO_TwrLp", "small"}, {"TwO_Opis", "text"}, {"TwO_Jezyk", "int"},
	}}
	xlTwrGrupy = table{name: "TwrGrupy", pk: []string{"TwG_GIDTyp", "TwG_GIDNumer", "TwG_GrONumer"}, cols: []col{
		{"TwG_GIDTyp", "small"}, {"TwG_GIDNumer", "int"}, {"TwG_GrONumer", "int"},
		{"TwG_Kod", "str:40"}, {"TwG_Nazwa", "nstr:255"},
	}}
	xlAtrybutyKlasy = table{name: "AtrybutyKlasy", pk: []string{"AtK_ID"}, cols: []col{
		{"AtK_ID", "int"}, {"AtK_Nazwa", "nstr:40"}, {"AtK_Typ", "small"},
	}}
	xlAtrybuty = table{name: "Atrybuty", pk: []string{"Atr_Id"}, cols: []col{
		{"Atr_Id", "int"}, {"Atr_ObiTyp", "small"}, {"Atr_ObiNumer", "int"}, {"Atr_ObiLp", "small"},
		{"Atr_AtkId", "int"}, {"Atr_Wartosc", "nstr:255"},
	}, indexes: [][]string{{"Atr_ObiNumer"}}}
	xlDaneBinarne = table{name: "DaneBinarne", pk: []string{"DAB_ID"}, cols: []col{
		{"DAB_ID", "int"}, {"DAB_Nazwa", "nstr:255"}, {"DAB_Rozszerzenie", "str:10"}, {"DAB_Dane", "blob"},
		{"DAB_CzasModyfikacji", "int"},
	}}
	xlDaneObiekty = table{name: "DaneObiekty", pk: []string{"DAO_Id"}, cols: []col{
		{"DAO_Id", "int"}, {"DAO_DABId", "int"}, {"DAO_ObiTyp", "small"}, {"DAO_ObiNumer", "int"},
	}}
	xlTwrCenyNag = table{name: "TwrCenyNag", pk: []string{"TCN_Id"}, cols: []col{
		{"TCN_Id", "int"}, {"TCN_Nazwa", "nstr:40"}, {"TCN_RodzajCeny", "small"}, {"TCN_DataOd", "int"},
		{"TCN_Aktywny", "small"}, {"TCN_WalutaCenySprzedazy", "str:3"}, {"TCN_CzasModyfikacji", "int"},
	}}
	xlTwrCeny = table{name: "TwrCeny", pk: []string{"TwC_ID"}, cols: []col{
		{"TwC_ID", "int"}, {"TwC_TwrNumer", "int"}, {"TwC_TwrLp", "small"}, {"TwC_TcnId", "int"},
		{"TwC_Wartosc", "dec"}, {"TwC_Waluta", "str:3"}, {"TwC_KntNumer", "int"}, {"TwC_Aktywny", "small"},
		{"TwC_CzasModyfikacji", "int"},
	}, indexes: [][]string{{"TwC_TwrNumer"}}}
	xlMagazyny = table{name: "Magazyny", pk: []string{"MAG_GIDNumer"}, cols: []col{
		{"MAG_GIDNumer", "int"}, {"MAG_Kod", "str:10"}, {"MAG_Nazwa", "nstr:255"},
	}}
	xlTwrZasoby = table{name: "TwrZasoby", pk: []string{"TwZ_Id"}, cols: []col{
		{"TwZ_Id", "int"}, {"TwZ_TwrNumer", "int"}, {"TwZ_MagNumer", "int"}, {"TwZ_Ilosc", "dec"}, {"TwZ_IlSpr", "dec"},
	}, indexes: [][]string{{"TwZ_TwrNumer", "TwZ_MagNumer"}}}
	xlRezerwacje = table{name: "Rezerwacje", pk: []string{"Rez_GIDNumer"}, cols: []col{
		{"Rez_GIDNumer", "int"}, {"Rez_GIDTyp", "int"}, {"Rez_TwrNumer", "int"}, {"Rez_MagNumer", "int"},
		{"Rez_Ilosc", "dec"}, {"Rez_Zrealizowano", "dec"}, {"Rez_Aktywna", "small"}, {"Rez_DataWaznosci", "int"},
	}, indexes: [][]string{{"Rez_TwrNumer"}}}
	xlTables = []table{xlTwrKarty, xlTwrOpisy, xlTwrGrupy, xlAtrybutyKlasy, xlAtrybuty, xlDaneBinarne,
		xlDaneObiekty, xlTwrCenyNag, xlTwrCeny, xlMagazyny, xlTwrZasoby, xlRezerwacje}
)
