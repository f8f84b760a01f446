// Command create-booking is the Lambda behind POST /bookings.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.CreateBooking(httpapi.MustApp(config.NeedConfirmationQueue)))
}
