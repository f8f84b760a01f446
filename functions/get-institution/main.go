// Command get-institution is the Lambda behind GET /institutions/{id}.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetInstitution(httpapi.MustApp()))
}
