// Command list-slots is the Lambda behind GET /institutions/{id}/slots, the
// public free times of a service.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListSlots(httpapi.MustApp()))
}
