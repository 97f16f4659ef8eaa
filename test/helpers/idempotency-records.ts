import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Makes the Idempotency-Key record that stored `orderId` as its result expire now, as its 24 h
 * TTL would (Powertools treats a record whose `expiration` has passed as absent). Found by
 * its stored result, so tests need not recompute Powertools' key hash.
 */
export async function expireIdempotencyRecordOf(
  documents: DynamoDBDocumentClient,
  tableName: string,
  orderId: string,
): Promise<void> {
  const { Items = [] } = await documents.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  const records = Items.filter((item) => JSON.stringify(item.data ?? null).includes(orderId));
  if (records.length !== 1)
    throw new Error(`expected one idempotency record of order ${orderId}, found ${records.length}`);
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { id: records[0]!.id },
      UpdateExpression: 'SET expiration = :past',
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }),
  );
}
