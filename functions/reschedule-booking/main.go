// Command reschedule-booking is the Lambda behind POST /bookings/{id}/reschedule.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.RescheduleBooking(httpapi.MustApp(config.NeedConfirmationQueue, config.NeedNotificationsTopic)))
}
