// Command get-service is the Lambda behind GET /services/{id}.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetService(httpapi.MustApp()))
}
