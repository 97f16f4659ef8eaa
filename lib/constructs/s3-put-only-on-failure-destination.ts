import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FAILED_RECORDS_PREFIX, OTHER_GRANTS } from '../services';

/**
 * An S3 on-failure destination for a stream event-source mapping that grants the function
 * only what Lambda needs to deliver failed batches: `s3:PutObject` on the objects under `aws/lambda/` (where Lambda writes) and
 * `s3:ListBucket` on the bucket (AWS Lambda developer guide, "Retain discarded batch records").
 *
 * It replaces `S3OnFailureDestination` from aws-lambda-event-sources, whose `bind` grants
 * `bucket.grantReadWrite` (read, delete, list...) to every consumer function.
 * The bucket must use SSE-S3 (or the caller grants the KMS permissions itself).
 */
export class S3PutOnlyOnFailureDestination implements lambda.IEventSourceDlq {
  public constructor(private readonly bucket: s3.IBucket) {}

  public bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PutFailedRecords',
        actions: [...OTHER_GRANTS.failedRecordsPut],
        // Lambda names every object aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/<time>-<uuid>.
        resources: [this.bucket.arnForObjects(`${FAILED_RECORDS_PREFIX}*`)],
      }),
    );
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListFailedRecordsBucket',
        actions: [...OTHER_GRANTS.failedRecordsList],
        resources: [this.bucket.bucketArn],
      }),
    );
    return { destination: this.bucket.bucketArn };
  }
}
