// Package awsconf builds the AWS SDK configuration and clients every function
// and tool shares. One config per process keeps cold starts short.
package awsconf

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// DefaultRegion is used when no region is configured and an endpoint
// override (emulator, LocalStack, moto) is in use.
const DefaultRegion = "us-east-1"

// Load returns the SDK configuration. With endpoint empty it is the standard
// chain (environment, Lambda role). With endpoint set, every client talks to
// that URL, and dummy credentials are used unless real ones are in the
// environment, so emulators work without an AWS account.
func Load(ctx context.Context, endpoint string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(endpoint))
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, config.WithRegion(DefaultRegion))
		}
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	return cfg, nil
}

// DynamoDB returns a DynamoDB client for cfg.
func DynamoDB(cfg aws.Config, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, optFns...)
}

// SQS returns an SQS client for cfg.
func SQS(cfg aws.Config, optFns ...func(*sqs.Options)) *sqs.Client {
	return sqs.NewFromConfig(cfg, optFns...)
}

// SNS returns an SNS client for cfg.
func SNS(cfg aws.Config, optFns ...func(*sns.Options)) *sns.Client {
	return sns.NewFromConfig(cfg, optFns...)
}

// S3 returns an S3 client for cfg. Against an endpoint override it uses
// path-style addressing, which emulators on 127.0.0.1 need.
func S3(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	// Validate response checksums when a request asks for them, not on
	// every GetObject: objects uploaded through presigned URLs carry none,
	// and the SDK would log each such read.
	optFns = append([]func(*s3.Options){func(o *s3.Options) {
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}}, optFns...)
	if cfg.BaseEndpoint != nil {
		optFns = append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)
	}
	return s3.NewFromConfig(cfg, optFns...)
}
