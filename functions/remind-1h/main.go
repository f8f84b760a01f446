// Command remind-1h is the scheduled function (EventBridge, every minute)
// that sends the reminders due an hour before a visit.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/pipeline"
)

func main() {
	lambda.Start(pipeline.MustWorker(config.NeedNotificationsTopic).Remind1h)
}
