// Command list-notifications is the Lambda behind GET /bookings/{id}/notifications.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListNotifications(httpapi.MustApp()))
}
