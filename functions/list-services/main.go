// Command list-services is the Lambda behind GET /services.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.ListServices(httpapi.MustApp()))
}
