// Command put-notification-settings is the Lambda behind PUT /me/notification-settings.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.PutNotificationSettings(httpapi.MustApp()))
}
