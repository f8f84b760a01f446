// Command list-institutions is the Lambda behind GET /institutions.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListInstitutions(httpapi.MustApp()))
}
