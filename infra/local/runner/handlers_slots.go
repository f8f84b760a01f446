package runner

import (
	"net/http"

	"github.com/zapis/zapis/shared/httpapi"
)

// slotHandlers are the schedule and free-time functions.
var slotHandlers = map[string]func(*httpapi.App) http.Handler{
	"ListSlotsFunction":     httpapi.ListSlots,
	"CreateSlotsFunction":   httpapi.CreateSlots,
	"PutScheduleFunction":   httpapi.PutSchedule,
	"GenerateSlotsFunction": httpapi.GenerateSlots,
}
