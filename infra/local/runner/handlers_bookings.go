package runner

import (
	"net/http"

	"github.com/zapis/zapis/shared/httpapi"
)

// bookingHandlers are the profile, booking and operator-desk functions.
var bookingHandlers = map[string]func(*httpapi.App) http.Handler{
	"GetProfileFunction":          httpapi.GetProfile,
	"PutProfileFunction":          httpapi.PutProfile,
	"CreateBookingFunction":       httpapi.CreateBooking,
	"ListBookingsFunction":        httpapi.ListBookings,
	"GetBookingFunction":          httpapi.GetBooking,
	"CancelBookingFunction":       httpapi.CancelBooking,
	"RescheduleBookingFunction":   httpapi.RescheduleBooking,
	"InstitutionBookingsFunction": httpapi.InstitutionBookings,
	"RecordAttendanceFunction":    httpapi.RecordAttendance,
	"UploadDocumentFunction":      httpapi.UploadDocument,
	"SubmitDocumentFunction":      httpapi.SubmitDocument,
	"GetConfirmationFunction":     httpapi.GetConfirmation,
	"CheckinFunction":             httpapi.Checkin,

	"GetNotificationSettingsFunction": httpapi.GetNotificationSettings,
	"PutNotificationSettingsFunction": httpapi.PutNotificationSettings,
	"ListNotificationsFunction":       httpapi.ListNotifications,
}
