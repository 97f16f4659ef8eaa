import type { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CoalescingItemReader } from '../../../../lambdas/adapters/dynamodb-coalescing-item-reader';

type Keys = Record<string, { Keys: Record<string, string>[] }>;

/**
 * DynamoDB leaves keys unprocessed only under throttling or past 16 MB of answer, which
 * DynamoDB Local cannot be made to do: a scripted client answers instead
 * (test/integration/lambdas/coalescing-item-reader.test.ts covers the real emulator).
 */
class ScriptedBatchGet {
  public readonly requests: Keys[] = [];
  /** Each call: which of the asked keys (by orderId) to leave unprocessed. */
  public constructor(private readonly leaveUnprocessed: ((orderId: string) => boolean)[]) {}

  public async send(command: BatchGetCommand) {
    const asked = command.input.RequestItems as Keys;
    this.requests.push(asked);
    const leave = this.leaveUnprocessed[this.requests.length - 1] ?? (() => false);
    const keys = asked.views?.Keys ?? [];
    const unprocessed = keys.filter((key) => leave(key.orderId!));
    return {
      Responses: { views: keys.filter((key) => !leave(key.orderId!)).map((key) => ({ ...key, seen: true })) },
      UnprocessedKeys: unprocessed.length > 0 ? { views: { Keys: unprocessed, ConsistentRead: true } } : {},
    };
  }
}

const noSleep = async (): Promise<void> => undefined;

describe('CoalescingItemReader, unprocessed keys', () => {
  it('asks again for the keys left unprocessed, and only for them', async () => {
    const client = new ScriptedBatchGet([(id) => id === 'b', () => false]);
    const reader = new CoalescingItemReader(client as unknown as DynamoDBDocumentClient, noSleep);
    const items = await Promise.all(['a', 'b', 'c'].map((orderId) => reader.get('views', { orderId })));
    expect(items).toEqual([
      { orderId: 'a', seen: true },
      { orderId: 'b', seen: true },
      { orderId: 'c', seen: true },
    ]);
    expect(client.requests.map((request) => request.views?.Keys.map((key) => key.orderId))).toEqual([
      ['a', 'b', 'c'],
      ['b'],
    ]);
  });

  it('rejects only the reads still unprocessed after the last attempt', async () => {
    const client = new ScriptedBatchGet(Array.from({ length: 10 }, () => (id: string) => id === 'b'));
    const reader = new CoalescingItemReader(client as unknown as DynamoDBDocumentClient, noSleep);
    const [a, b] = await Promise.allSettled([
      reader.get('views', { orderId: 'a' }),
      reader.get('views', { orderId: 'b' }),
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: { orderId: 'a', seen: true } });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/unprocessed after 6/) } });
    expect(client.requests).toHaveLength(6);
  });
});
