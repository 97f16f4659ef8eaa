import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

export type ItemKey = Readonly<Record<string, string | number>>;
export type Item = Record<string, unknown>;

/**
 * Strongly consistent reads of single items by primary key: one GetItem each
 * (DirectItemReader), or shared BatchGetItem calls (CoalescingItemReader, the consumers).
 */
export interface ItemReader {
  get(tableName: string, key: ItemKey): Promise<Item | undefined>;
}

/** One GetItem call per read (the API, tools, anything reading one item at a time). */
export class DirectItemReader implements ItemReader {
  public constructor(private readonly client: DynamoDBDocumentClient) {}

  public async get(tableName: string, key: ItemKey): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  }
}
