import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { compareSequenceNumbers } from '../../local/sequence-numbers';
import type { RawRecord } from '../adapters/kinesis-event-publisher';

/**
 * Reading back what event-source mappings kept in their on-failure destination: Lambda's
 * on-failure records for Kinesis, as the S3 destination stores them (one JSON object per
 * failed batch, the invocation event in `payload`). Locally they are files under
 * .orderstream/failed-records/; from AWS, `aws s3 sync s3://<bucket>/aws/lambda ./failed`
 * brings them to a folder first.
 */

/** One Kinesis record found in the on-failure objects, deduplicated across mappings. */
export interface FailedRecord extends RawRecord {
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The on-failure objects (relative paths) that hold this record: one per mapping that gave up on it. */
  readonly foundIn: readonly string[];
}

interface OnFailureObject {
  /** A JSON string in the S3 destination's objects; accepted as an object too. */
  readonly payload?: string | KinesisStreamEvent;
}

/**
 * Every record of every on-failure object below `folder`, once each (the same record fails
 * in every mapping that cannot process it), in stream order per shard.
 */
export function readFailedRecords(folder: string): FailedRecord[] {
  const byKey = new Map<string, FailedRecord & { foundIn: string[] }>();
  for (const file of listFiles(folder)) {
    const path = relative(folder, file);
    let object: OnFailureObject;
    try {
      object = JSON.parse(readFileSync(file, 'utf8')) as OnFailureObject;
    } catch (error) {
      throw new Error(`${path}: not an on-failure record (${(error as Error).message})`);
    }
    const event =
      typeof object.payload === 'string' ? (JSON.parse(object.payload) as KinesisStreamEvent) : object.payload;
    if (!event?.Records) {
      throw new Error(
        `${path}: the on-failure record has no payload (only the S3 destination keeps the records themselves)`,
      );
    }
    for (const record of event.Records) {
      const streamArn = record.eventSourceARN;
      const shardId = record.eventID.split(':')[0]!; // eventID is `shardId:sequenceNumber`
      const key = `${streamArn}|${shardId}|${record.kinesis.sequenceNumber}`;
      const known = byKey.get(key);
      if (known) {
        known.foundIn.push(path);
        continue;
      }
      byKey.set(key, {
        streamArn,
        shardId,
        sequenceNumber: record.kinesis.sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
        data: Buffer.from(record.kinesis.data, 'base64'),
        label: `record ${shardId}:${record.kinesis.sequenceNumber}`,
        foundIn: [path],
      });
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.shardId.localeCompare(b.shardId) || compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber),
  );
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
