// Command get-profile is the Lambda behind GET /me/profile.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.GetProfile(httpapi.MustApp()))
}
