// Command remind-24h is the scheduled function (EventBridge, every 5
// minutes) that sends the reminders due 24 hours before a visit.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/pipeline"
)

func main() {
	lambda.Start(pipeline.MustWorker(config.NeedNotificationsTopic).Remind24h)
}
