// Command get-confirmation is the Lambda behind GET /bookings/{id}/confirmation.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetConfirmation(httpapi.MustApp(config.NeedDocumentsBucket, config.NeedConfirmationQueue)))
}
