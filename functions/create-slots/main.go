// Command create-slots is the Lambda behind POST /institutions/{id}/slots
// (operator of the institution, admin).
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.CreateSlots(httpapi.MustApp()))
}
