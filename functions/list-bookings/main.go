// Command list-bookings is the Lambda behind GET /bookings.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListBookings(httpapi.MustApp()))
}
