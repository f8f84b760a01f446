// Command cancel-booking is the Lambda behind POST /bookings/{id}/cancel.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.CancelBooking(httpapi.MustApp(config.NeedNotificationsTopic)))
}
