// Command expire-pending is the scheduled function (EventBridge) that
// cancels pending bookings whose documents missed their deadline.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/pipeline"
)

func main() {
	lambda.Start(pipeline.MustWorker(config.NeedConfirmationQueue, config.NeedNotificationsTopic).ExpirePending)
}
