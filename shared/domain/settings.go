package domain

// NotificationSettings are a citizen's choices (API.md): the channels that
// carry notifications and the two reminders. Everything is on by default.
type NotificationSettings struct {
	Channels  ChannelSettings  `json:"channels"`
	Reminders ReminderSettings `json:"reminders"`
}

type ChannelSettings struct {
	SMS   bool `json:"sms"`
	Email bool `json:"email"`
	Push  bool `json:"push"`
}

type ReminderSettings struct {
	H24 bool `json:"24h"`
	H1  bool `json:"1h"`
}

// DefaultNotificationSettings is what a citizen who never chose gets.
func DefaultNotificationSettings() NotificationSettings {
	return NotificationSettings{ChannelSettings{true, true, true}, ReminderSettings{true, true}}
}

// Channel reports whether channel ("sms", "email", "push") is on.
func (s NotificationSettings) Channel(ch string) bool {
	switch ch {
	case "sms":
		return s.Channels.SMS
	case "email":
		return s.Channels.Email
	case "push":
		return s.Channels.Push
	}
	return false
}

// Reminder reports whether the reminder of kind is on.
func (s NotificationSettings) Reminder(k DueKind) bool {
	switch k {
	case DueRemind24h:
		return s.Reminders.H24
	case DueRemind1h:
		return s.Reminders.H1
	}
	return true
}

// SettingsRequest is the body of PUT /me/notification-settings. Every field
// is required: a client that forgets one must not switch it off silently.
type SettingsRequest struct {
	Channels *struct {
		SMS   *bool `json:"sms"`
		Email *bool `json:"email"`
		Push  *bool `json:"push"`
	} `json:"channels"`
	Reminders *struct {
		H24 *bool `json:"24h"`
		H1  *bool `json:"1h"`
	} `json:"reminders"`
}

// Settings validates the request and returns the settings it sets.
func (r SettingsRequest) Settings() (NotificationSettings, error) {
	var p Problems
	var out NotificationSettings
	need := func(field string, v *bool, dst *bool) {
		if v == nil {
			p.Add(field, "required", "Укажите true или false")
			return
		}
		*dst = *v
	}
	if r.Channels == nil {
		p.Add("channels", "required", "Укажите каналы: sms, email, push")
	} else {
		need("channels.sms", r.Channels.SMS, &out.Channels.SMS)
		need("channels.email", r.Channels.Email, &out.Channels.Email)
		need("channels.push", r.Channels.Push, &out.Channels.Push)
	}
	if r.Reminders == nil {
		p.Add("reminders", "required", "Укажите напоминания: 24h, 1h")
	} else {
		need("reminders.24h", r.Reminders.H24, &out.Reminders.H24)
		need("reminders.1h", r.Reminders.H1, &out.Reminders.H1)
	}
	return out, p.Err()
}
