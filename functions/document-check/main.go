// Command document-check is the SQS worker that checks uploaded documents.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/pipeline"
)

func main() {
	lambda.Start(pipeline.MustWorker(config.NeedDocumentsBucket, config.NeedConfirmationQueue, config.NeedNotificationsTopic).CheckDocuments)
}
