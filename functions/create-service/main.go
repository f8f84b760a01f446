// Command create-service is the Lambda behind POST /services (admin).
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.CreateService(httpapi.MustApp()))
}
