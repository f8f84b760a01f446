// Command put-schedule is the Lambda behind PUT /institutions/{id}/schedule
// (operator of the institution, admin).
package main

import (
	// provided.al2023 has no zoneinfo; institutions are validated by zone.
	_ "time/tzdata"

	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.PutSchedule(httpapi.MustApp()))
}
