// Command get-notification-settings is the Lambda behind GET /me/notification-settings.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetNotificationSettings(httpapi.MustApp()))
}
