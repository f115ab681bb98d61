package sqlerp

// This is the one file that imports the SQL Server driver.

import (
	"errors"

	mssql "github.com/denisenkom/go-mssqldb"
)

// mssqlErrorNumber returns the SQL Server error number carried by err.
func mssqlErrorNumber(err error) (int32, bool) {
	var e mssql.Error
	if errors.As(err, &e) {
		return e.Number, true
	}
	var pe *mssql.Error
	if errors.As(err, &pe) && pe != nil {
		return pe.Number, true
	}
	return 0, false
}
