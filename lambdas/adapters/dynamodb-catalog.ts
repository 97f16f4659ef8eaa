import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Catalog, CatalogItem, CatalogWriteResult, ExpectedVersion } from '../ports/catalog';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { InventoryTable, skuKey, toCatalogItem } from './dynamodb-inventory-table';

/**
 * The catalogue: each SKU's price and stock, in the `SKU#<sku>` items of the inventory table
 * (dynamodb-inventory-table.ts). Writes are conditional on the version a caller read (ETag).
 */
export class DynamoDbCatalog extends InventoryTable implements Catalog {
  public async getItem(sku: string): Promise<CatalogItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: skuKey(sku) }, ConsistentRead: true }),
    );
    return Item ? toCatalogItem(sku, Item) : undefined;
  }

  public async getPrices(skus: readonly string[]): Promise<Map<string, number>> {
    const items = await this.batchGetSkus(skus);
    const prices = new Map<string, number>();
    for (const item of items) {
      if (typeof item.priceCents === 'number') prices.set(String(item.sku), item.priceCents);
    }
    return prices;
  }

  public async putItem(
    item: Pick<CatalogItem, 'sku' | 'available' | 'priceCents'>,
    expected?: ExpectedVersion,
  ): Promise<CatalogWriteResult> {
    const condition = expected === undefined ? undefined : versionCondition(expected);
    return this.conditionalSkuUpdate(item.sku, {
      UpdateExpression:
        'SET sku = :sku, available = :available, priceCents = :price, updatedAt = :now ADD version :one',
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeValues: {
        ':sku': item.sku,
        ':available': item.available,
        ':price': item.priceCents,
        ':now': new Date().toISOString(),
        ':one': 1,
        ...condition?.values,
      },
    });
  }

  public async adjustAvailable(
    sku: string,
    delta: number,
    options: { readonly maxAvailable: number; readonly expected?: ExpectedVersion },
  ): Promise<CatalogWriteResult> {
    const version = versionCondition(options.expected ?? 'EXISTS');
    const range =
      delta < 0
        ? { expression: 'available >= :needed', values: { ':needed': -delta } }
        : { expression: 'available <= :room', values: { ':room': options.maxAvailable - delta } };
    const result = await this.conditionalSkuUpdate(sku, {
      UpdateExpression: 'SET updatedAt = :now ADD available :delta, version :one',
      ConditionExpression: `${version.expression} AND ${range.expression}`,
      ExpressionAttributeValues: {
        ':delta': delta,
        ':now': new Date().toISOString(),
        ':one': 1,
        ...version.values,
        ...range.values,
      },
    });
    if (result.ok || !result.current) return result;
    // The write was refused: on the version, or (the version held) on the range.
    const expected = options.expected;
    const versionHeld =
      !expected || expected === 'EXISTS' || (expected !== 'ABSENT' && expected.version === result.current.version);
    return versionHeld ? { ok: false, reason: 'OUT_OF_RANGE', current: result.current } : result;
  }

  /** An update of one SKU item, conditional; a refused condition answers the item as it is now. */
  private async conditionalSkuUpdate(
    sku: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<CatalogWriteResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: skuKey(sku) }, ReturnValues: 'ALL_NEW', ...update }),
      );
      return { ok: true, item: toCatalogItem(sku, Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { ok: false, reason: 'PRECONDITION_FAILED', current: await this.getItem(sku) };
    }
  }
}

/** The condition of a write expecting `expected` (version 0 also matches an item without version). */
function versionCondition(expected: ExpectedVersion): { expression: string; values: Record<string, unknown> } {
  if (expected === 'ABSENT') return { expression: 'attribute_not_exists(pk)', values: {} };
  if (expected === 'EXISTS') return { expression: 'attribute_exists(pk)', values: {} };
  const expression =
    expected.version === 0
      ? 'attribute_exists(pk) AND (attribute_not_exists(version) OR version = :expectedVersion)'
      : 'version = :expectedVersion';
  return { expression, values: { ':expectedVersion': expected.version } };
}
