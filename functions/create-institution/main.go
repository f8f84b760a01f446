// Command create-institution is the Lambda behind POST /institutions (admin).
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.CreateInstitution(httpapi.MustApp()))
}
