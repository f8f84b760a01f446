#!/bin/bash
# Creates the resources of template.yaml on LocalStack, with the local names:
# stack "zapis", region us-east-1, account 000000000000 (docs/DESIGN.md).
# LocalStack runs it once it is ready (mounted at /etc/localstack/init/ready.d).
#
# Keep it in step with template.yaml: `go test ./infra/template` parses the
# create-table, queue, subscribe and create-bucket lines below and compares
# them with the template.
set -euo pipefail

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=us-east-1
REGION=us-east-1
ACCOUNT=000000000000

# json_string VALUE: VALUE as a JSON string body (quotes escaped), for the SQS
# and SNS attributes whose values are themselves JSON documents.
json_string() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }

# ------------------------------------------------------------------ DynamoDB
awslocal dynamodb create-table \
  --table-name zapis-data \
  --billing-mode PAY_PER_REQUEST \
  --attribute-definitions \
    AttributeName=PK,AttributeType=S AttributeName=SK,AttributeType=S \
    AttributeName=GSI1PK,AttributeType=S AttributeName=GSI1SK,AttributeType=S \
    AttributeName=GSI2PK,AttributeType=S AttributeName=GSI2SK,AttributeType=S \
    AttributeName=GSI3PK,AttributeType=S AttributeName=GSI3SK,AttributeType=S \
  --key-schema AttributeName=PK,KeyType=HASH AttributeName=SK,KeyType=RANGE \
  --global-secondary-indexes \
    'IndexName=ByCitizen,KeySchema=[{AttributeName=GSI1PK,KeyType=HASH},{AttributeName=GSI1SK,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
    'IndexName=ByInstitutionDay,KeySchema=[{AttributeName=GSI2PK,KeyType=HASH},{AttributeName=GSI2SK,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
    'IndexName=ByDue,KeySchema=[{AttributeName=GSI3PK,KeyType=HASH},{AttributeName=GSI3SK,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
  >/dev/null
awslocal dynamodb wait table-exists --table-name zapis-data
awslocal dynamodb update-time-to-live --table-name zapis-data \
  --time-to-live-specification Enabled=true,AttributeName=ttl >/dev/null
echo "table zapis-data"

# ----------------------------------------------------------------------- SQS
# queue NAME [Attribute=Value ...] [dlq=DLQ_NAME maxReceiveCount=N]
# Attributes use the SQS API names; dlq/maxReceiveCount become RedrivePolicy.
# A dead-letter queue must be created before the queues that use it.
queue() {
  local name=$1 attrs="" dlq="" max="" kv
  shift
  for kv in "$@"; do
    case $kv in
      dlq=*) dlq=${kv#dlq=} ;;
      maxReceiveCount=*) max=${kv#maxReceiveCount=} ;;
      *) attrs+="${attrs:+,}\"${kv%%=*}\":\"${kv#*=}\"" ;;
    esac
  done
  if [[ -n $dlq ]]; then
    local redrive="{\"deadLetterTargetArn\":\"arn:aws:sqs:$REGION:$ACCOUNT:$dlq\",\"maxReceiveCount\":$max}"
    attrs+="${attrs:+,}\"RedrivePolicy\":\"$(json_string "$redrive")\""
  fi
  awslocal sqs create-queue --queue-name "$name" --attributes "{$attrs}" >/dev/null
  echo "queue $name"
}

queue zapis-document-check-dlq MessageRetentionPeriod=1209600
queue zapis-document-check VisibilityTimeout=180 MessageRetentionPeriod=345600 dlq=zapis-document-check-dlq maxReceiveCount=5
queue zapis-confirmation-dlq MessageRetentionPeriod=1209600
queue zapis-confirmation VisibilityTimeout=180 MessageRetentionPeriod=345600 dlq=zapis-confirmation-dlq maxReceiveCount=5
queue zapis-notify-sms-dlq MessageRetentionPeriod=1209600
queue zapis-notify-sms VisibilityTimeout=180 MessageRetentionPeriod=345600 dlq=zapis-notify-sms-dlq maxReceiveCount=5
queue zapis-notify-email-dlq MessageRetentionPeriod=1209600
queue zapis-notify-email VisibilityTimeout=180 MessageRetentionPeriod=345600 dlq=zapis-notify-email-dlq maxReceiveCount=5
queue zapis-notify-push-dlq MessageRetentionPeriod=1209600
queue zapis-notify-push VisibilityTimeout=180 MessageRetentionPeriod=345600 dlq=zapis-notify-push-dlq maxReceiveCount=5

# ----------------------------------------------------------------------- SNS
awslocal sns create-topic --name zapis-alarms >/dev/null
echo "topic zapis-alarms"
awslocal sns create-topic --name zapis-notifications >/dev/null
echo "topic zapis-notifications"
TOPIC_ARN=arn:aws:sns:$REGION:$ACCOUNT:zapis-notifications

# subscribe QUEUE_NAME FILTER_POLICY: raw delivery of the topic's messages to
# the queue, filtered on the message attributes.
subscribe() {
  local queue=$1 policy=$2
  awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs \
    --notification-endpoint "arn:aws:sqs:$REGION:$ACCOUNT:$queue" \
    --attributes "{\"RawMessageDelivery\":\"true\",\"FilterPolicyScope\":\"MessageAttributes\",\"FilterPolicy\":\"$(json_string "$policy")\"}" \
    >/dev/null
  echo "subscription $queue $policy"
}

subscribe zapis-notify-sms '{"channel":["sms"]}'
subscribe zapis-notify-email '{"channel":["email"]}'
subscribe zapis-notify-push '{"channel":["push"]}'

# ------------------------------------------------------------------------ S3
awslocal s3api create-bucket --bucket zapis-documents-000000000000-us-east-1 >/dev/null
# Any origin locally, so a web client on any dev port can upload.
awslocal s3api put-bucket-cors --bucket zapis-documents-000000000000-us-east-1 \
  --cors-configuration '{"CORSRules":[{"AllowedMethods":["PUT","GET"],"AllowedOrigins":["*"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}'
echo "bucket zapis-documents-000000000000-us-east-1"

echo "zapis resources ready"
