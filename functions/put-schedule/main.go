// Command put-schedule is the Lambda behind PUT /institutions/{id}/schedule
// (operator of the institution, admin).
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.PutSchedule(httpapi.MustApp()))
}
