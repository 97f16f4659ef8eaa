import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GroupCommit, type Outcome } from '../runtime/group-commit';
import type { Item, ItemKey, ItemReader } from './dynamodb-item-reader';

/** Keys per BatchGetItem call (DynamoDB's limit). */
const MAX_KEYS_PER_CALL = 100;
/** Calls per group for keys DynamoDB left unprocessed (throttling, the 16 MB response limit). */
const MAX_ATTEMPTS = 6;

interface Read {
  readonly tableName: string;
  readonly key: ItemKey;
}

/**
 * A stream consumer's reads: the concurrent records of a batch share BatchGetItem calls
 * (strongly consistent, like the GetItem they replace), one call in flight at a time
 * (runtime/group-commit.ts). Keys DynamoDB leaves unprocessed are asked again with a short
 * back-off; a read still unanswered after MAX_ATTEMPTS calls, or carried by a call that
 * failed, rejects, and its record fails and is retried like any failed call.
 */
export class CoalescingItemReader implements ItemReader {
  private reads: GroupCommit<Read, Item | undefined> | undefined;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    /** Injected for tests. @default setTimeout-based sleep */
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  public get(tableName: string, key: ItemKey): Promise<Item | undefined> {
    // Made on first use, here rather than in the constructor, so that the DynamoDB actions test
    // (test/unit/lib/dynamodb-usage.ts) reaches the batch call under the table of the read.
    this.reads ??= new GroupCommit((reads) => this.readAll(reads));
    return this.reads.submit({ tableName, key });
  }

  private async readAll(reads: readonly Read[]): Promise<Outcome<Item | undefined>[]> {
    // The same item asked twice in one call is an error to DynamoDB: ask once, answer both.
    const distinct = new Map(reads.map((read) => [idOf(read.tableName, read.key), read]));
    const found = new Map<string, Item>();
    const failed = new Map<string, unknown>();
    const all = [...distinct.values()];
    for (let i = 0; i < all.length; i += MAX_KEYS_PER_CALL) {
      await this.readChunk(all.slice(i, i + MAX_KEYS_PER_CALL), found, failed);
    }
    return reads.map((read) => {
      const id = idOf(read.tableName, read.key);
      return failed.has(id) ? { error: failed.get(id) } : { value: found.get(id) };
    });
  }

  private async readChunk(
    reads: readonly Read[],
    found: Map<string, Item>,
    failed: Map<string, unknown>,
  ): Promise<void> {
    const keyNames = new Map(reads.map((read) => [read.tableName, Object.keys(read.key).sort()]));
    let pending: Record<string, { Keys: ItemKey[]; ConsistentRead: true }> = {};
    for (const { tableName, key } of reads) {
      const request = pending[tableName] ?? { Keys: [], ConsistentRead: true };
      request.Keys.push(key);
      pending[tableName] = request;
    }
    for (let attempt = 1; ; attempt++) {
      let response: BatchGetCommandOutput;
      try {
        response = await this.client.send(new BatchGetCommand({ RequestItems: pending }));
      } catch (error) {
        forEachKey(pending, (tableName, key) => failed.set(idOf(tableName, key), error));
        return;
      }
      for (const [tableName, items] of Object.entries(response.Responses ?? {})) {
        const names = keyNames.get(tableName) ?? [];
        for (const item of items) found.set(idOf(tableName, pick(item, names)), item);
      }
      const unprocessed = Object.entries(response.UnprocessedKeys ?? {}).filter(([, request]) => request.Keys?.length);
      if (unprocessed.length === 0) return;
      pending = Object.fromEntries(
        unprocessed.map(([tableName, request]) => [
          tableName,
          { Keys: request.Keys as ItemKey[], ConsistentRead: true as const },
        ]),
      );
      if (attempt === MAX_ATTEMPTS) {
        const error = new Error(`DynamoDB left keys unprocessed after ${MAX_ATTEMPTS} BatchGetItem calls`);
        forEachKey(pending, (tableName, key) => failed.set(idOf(tableName, key), error));
        return;
      }
      await this.sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
    }
  }
}

function forEachKey(
  requests: Record<string, { Keys: readonly ItemKey[] }>,
  visit: (tableName: string, key: ItemKey) => void,
): void {
  for (const [tableName, request] of Object.entries(requests)) for (const key of request.Keys) visit(tableName, key);
}

function pick(item: Item, names: readonly string[]): ItemKey {
  return Object.fromEntries(names.map((name) => [name, item[name] as string | number]));
}

/** One string per (table, key), whatever the order of the key's attributes. */
function idOf(tableName: string, key: ItemKey): string {
  return JSON.stringify([
    tableName,
    ...Object.keys(key)
      .sort()
      .map((name) => [name, key[name]]),
  ]);
}
