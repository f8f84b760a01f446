// Command record-attendance is the Lambda behind POST /bookings/{id}/attendance.
package main

import (
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.RecordAttendance(httpapi.MustApp()))
}
