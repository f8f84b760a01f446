// Command generate-slots is the Lambda behind POST
// /institutions/{id}/slots/generate (operator of the institution, admin).
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GenerateSlots(httpapi.MustApp()))
}
