// Package invoke stands in locally for the two Lambda triggers that are not
// HTTP: the SQS event source mapping (Poller) and EventBridge schedules
// (Scheduler). Both call plain Go handlers with the events and the
// lambdacontext.LambdaContext the real services would give them, so a
// function's handler runs unchanged under the local runner and in tests.
//
// Poller follows the event source mapping's rules: it receives up to ten
// messages with every system and message attribute, builds the records as
// Lambda does, invokes the handler once per batch, and then
//
//   - on a handler error, a panic or a timeout: deletes nothing (the whole
//     batch is retried);
//   - otherwise: deletes every message not listed in BatchItemFailures,
//     unless an ItemIdentifier matches no message of the batch (or is
//     empty), which makes the whole batch a failure, as in Lambda.
//
// The handler's BatchItemFailures are always honoured, as with
// FunctionResponseTypes: [ReportBatchItemFailures], which every SQS worker
// of template.yaml sets.
//
// Failed messages come back after the queue's visibility timeout (AWS) or,
// locally, after PollerConfig.RetryDelay, and the queue's RedrivePolicy moves
// a message to its dead-letter queue after maxReceiveCount receives. The
// poller never moves messages itself: redrive is the queue's job, as in AWS.
//
// Scheduler runs handlers on rate(...) schedules with the Scheduled Event
// EventBridge sends, and runs one on demand with Run.
//
// Neither logs message bodies, event details or handler results: they may
// hold personal data.
package invoke
