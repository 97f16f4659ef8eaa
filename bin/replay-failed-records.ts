#!/usr/bin/env node
import { parseArgs } from 'node:util';
/**
 * Puts the records kept in an on-failure destination back on the stream, once each, with
 * their partition keys, each order's records strictly in their stream order (OrderedPutter:
 * a key's next record goes only once the previous one is accepted, whatever fails). A record
 * the stream keeps refusing is reported with every later record of its order, which are held
 * back; other orders are put all the same. Consumers that had processed a record skip it again
 * (idempotent by eventId); the ones that had given up on it get another go, e.g. after a fix
 * is deployed.
 *
 *   npm run replay -- --from <folder> --stream <stream name> [--dry-run]
 *
 * Locally: --from .orderstream/failed-records, with AWS_ENDPOINT_URL_KINESIS pointing at the
 * emulator. From AWS: `aws s3 sync s3://<FailedRecordsBucketName>/aws/lambda ./failed` first.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readFailedRecords } from '../lambdas/ops/failed-records';
import { OrderedPutter } from '../lambdas/ops/ordered-put';

// Node 20 is what this machine runs (README): the SDK's "2027 releases need Node 22" notice is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      stream: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.from || !values.stream) {
    console.error('usage: npm run replay -- --from <folder of on-failure records> --stream <stream name> [--dry-run]');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const records = readFailedRecords(values.from);
  for (const record of records) {
    console.log(
      `${record.shardId}:${record.sequenceNumber} key=${record.partitionKey} (${record.foundIn.length} mapping(s))`,
    );
  }
  if (values['dry-run'] || records.length === 0) {
    console.log(
      `${records.length} record(s) found; ${values['dry-run'] ? 'dry run: nothing put' : 'nothing to replay'}`,
    );
    return;
  }
  const client = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const result = await new OrderedPutter({ client, streamName: values.stream }).put(records);
  client.destroy();
  for (const { record, errorCode, errorMessage } of result.notPut) {
    console.error(
      `NOT PUT ${record.shardId}:${record.sequenceNumber} key=${record.partitionKey}: ${errorCode}: ${errorMessage}`,
    );
  }
  console.log(
    `${result.put.length} record(s) put back on ${values.stream} in ${result.calls} PutRecords call(s)` +
      (result.notPut.length > 0 ? `, ${result.notPut.length} NOT put (listed above; run again to retry them)` : '') +
      '; the on-failure objects are left in place',
  );
  if (result.notPut.length > 0) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(`replay failed: ${error.message}`);
  process.exitCode = 1;
});
