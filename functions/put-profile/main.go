// Command put-profile is the Lambda behind PUT /me/profile.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.PutProfile(httpapi.MustApp()))
}
