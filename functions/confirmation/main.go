// Command confirmation is the SQS worker that makes confirmation tickets.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/pipeline"
)

func main() {
	lambda.Start(pipeline.MustWorker(config.NeedDocumentsBucket, config.NeedTicketKey, config.NeedNotificationsTopic).Confirm)
}
