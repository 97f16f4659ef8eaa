import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OutcomeLedger } from '../ports/outcome-ledger';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { DirectItemReader, type ItemReader } from './dynamodb-item-reader';

/**
 * The side-effect ledger in LEDGER_TABLE (pk `orderId`, sk `entry`): one item per
 * (order, effect) holding its `outcome`, written with attribute_not_exists so the first
 * writer wins; later writers read the winner back (strongly consistent).
 */
export class DynamoDbOutcomeLedger implements OutcomeLedger {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** How entries are read (strongly consistent). @default one GetItem per read */
    private readonly reader: ItemReader = new DirectItemReader(client),
  ) {}

  public async get<T extends Record<string, unknown>>(orderId: string, entry: string): Promise<T | undefined> {
    return (await this.reader.get(this.tableName, { orderId, entry }))?.outcome as T | undefined;
  }

  public async recordOnce<T extends Record<string, unknown>>(
    orderId: string,
    entry: string,
    outcome: T,
  ): Promise<{ recorded: boolean; outcome: T }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { orderId, entry, outcome, recordedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return { recorded: true, outcome };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const existing = await this.get<T>(orderId, entry);
    if (!existing) throw new Error(`ledger entry ${orderId}/${entry} exists but could not be read`);
    return { recorded: false, outcome: existing };
  }
}
