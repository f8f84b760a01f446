// Command checkin is the Lambda behind POST /institutions/{id}/checkin.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.Checkin(httpapi.MustApp(config.NeedTicketKey)))
}
