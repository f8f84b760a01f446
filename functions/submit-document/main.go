// Command submit-document is the Lambda behind
// POST /bookings/{id}/documents/{documentId}/submit.
package main

import (
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/lambdaapi"
)

func main() {
	lambdaapi.Start(httpapi.SubmitDocument(httpapi.MustApp(config.NeedDocumentCheckQueue)))
}
