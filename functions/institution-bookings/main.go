// Command institution-bookings is the Lambda behind GET /institutions/{id}/bookings.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.InstitutionBookings(httpapi.MustApp()))
}
