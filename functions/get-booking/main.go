// Command get-booking is the Lambda behind GET /bookings/{id}.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetBooking(httpapi.MustApp()))
}
