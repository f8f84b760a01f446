// Command generate-slots is the Lambda behind POST
// /institutions/{id}/slots/generate (operator of the institution, admin).
package main

import (
	// provided.al2023 has no zoneinfo; plans are cut in the institution's zone.
	_ "time/tzdata"

	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GenerateSlots(httpapi.MustApp()))
}
