// Command list-slots is the Lambda behind GET /institutions/{id}/slots, the
// public free times of a service.
package main

import (
	// provided.al2023 has no zoneinfo; slots are shown in the institution's zone.
	_ "time/tzdata"

	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListSlots(httpapi.MustApp()))
}
