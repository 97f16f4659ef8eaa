import { type DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CoalescingItemReader } from '../../../lambdas/adapters/dynamodb-coalescing-item-reader';
import { createTable } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';

let counters = 0;

/** A document client over `dynamodb` counting the calls sent through it from now on. */
function countingCalls(dynamodb: DynamoDBClient): { documents: DynamoDBDocumentClient; calls: () => number } {
  let calls = 0;
  const documents = DynamoDBDocumentClient.from(dynamodb);
  documents.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: `countCalls-${++counters}` },
  );
  return { documents, calls: () => calls };
}

/**
 * The consumers' reader on DynamoDB Local: concurrent reads share BatchGetItem calls and each
 * gets exactly its own item (or nothing), read strongly consistent.
 */
describe('CoalescingItemReader on DynamoDB Local', () => {
  const fixture = useEmulators();

  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, 'reader-ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    await createTable(dynamodb, 'reader-views', [['orderId', 'HASH']]);
  });

  it('answers concurrent reads of two tables, present, missing and repeated, each with its own item, in fewer calls', async () => {
    // Prepare
    const { documents, calls } = countingCalls(fixture().dynamodb);
    const reader = new CoalescingItemReader(documents);
    for (let i = 0; i < 30; i += 2) {
      await documents.send(
        new PutCommand({ TableName: 'reader-ledger', Item: { orderId: `o-${i}`, entry: 'CHARGE', amount: i } }),
      );
      await documents.send(new PutCommand({ TableName: 'reader-views', Item: { orderId: `o-${i}`, version: i } }));
    }
    const before = calls();

    // Act: 30 ledger reads (every other one missing), 30 view reads, and o-4's charge asked twice
    const ledger = Array.from({ length: 30 }, (_, i) =>
      reader.get('reader-ledger', { orderId: `o-${i}`, entry: 'CHARGE' }),
    );
    const views = Array.from({ length: 30 }, (_, i) => reader.get('reader-views', { orderId: `o-${i}` }));
    const again = reader.get('reader-ledger', { entry: 'CHARGE', orderId: 'o-4' });
    const [ledgerItems, viewItems, repeated] = await Promise.all([Promise.all(ledger), Promise.all(views), again]);

    // Assess
    ledgerItems.forEach((item, i) => {
      expect(item).toEqual(i % 2 === 0 ? { orderId: `o-${i}`, entry: 'CHARGE', amount: i } : undefined);
    });
    viewItems.forEach((item, i) => {
      expect(item).toEqual(i % 2 === 0 ? { orderId: `o-${i}`, version: i } : undefined);
    });
    expect(repeated).toEqual({ orderId: 'o-4', entry: 'CHARGE', amount: 4 });
    // 61 reads made in one turn: one BatchGetItem (each would have been a GetItem)
    expect(calls() - before).toBe(1);
  });

  it('splits more than 100 distinct keys into several calls and answers all', async () => {
    const { documents, calls } = countingCalls(fixture().dynamodb);
    const reader = new CoalescingItemReader(documents);
    await documents.send(new PutCommand({ TableName: 'reader-views', Item: { orderId: 'o-many-150', version: 7 } }));
    const before = calls();
    const items = await Promise.all(
      Array.from({ length: 250 }, (_, i) => reader.get('reader-views', { orderId: `o-many-${i}` })),
    );
    expect(items.filter((item) => item !== undefined)).toEqual([{ orderId: 'o-many-150', version: 7 }]);
    expect(calls() - before).toBe(3);
  });

  it('sees a write made just before the read (consistent read)', async () => {
    const { documents } = countingCalls(fixture().dynamodb);
    const reader = new CoalescingItemReader(documents);
    await documents.send(new PutCommand({ TableName: 'reader-views', Item: { orderId: 'o-fresh', version: 1 } }));
    expect(await reader.get('reader-views', { orderId: 'o-fresh' })).toEqual({ orderId: 'o-fresh', version: 1 });
    await documents.send(new PutCommand({ TableName: 'reader-views', Item: { orderId: 'o-fresh', version: 2 } }));
    expect(await reader.get('reader-views', { orderId: 'o-fresh' })).toEqual({ orderId: 'o-fresh', version: 2 });
  });

  it('rejects the reads of a call that failed, and answers the next reads', async () => {
    const { documents } = countingCalls(fixture().dynamodb);
    const reader = new CoalescingItemReader(documents);
    await expect(reader.get('no-such-table', { orderId: 'o-1' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await documents.send(new PutCommand({ TableName: 'reader-views', Item: { orderId: 'o-after', version: 3 } }));
    expect(await reader.get('reader-views', { orderId: 'o-after' })).toEqual({ orderId: 'o-after', version: 3 });
  });
});
