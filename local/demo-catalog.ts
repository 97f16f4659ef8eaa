import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The demo catalog loaded into the inventory table on a fresh start, so a first
 * `POST /orders` works. Item shape of the inventory adapter: `{ pk: "SKU#<sku>", sku, available, priceCents }`.
 */
export const DEMO_CATALOG: ReadonlyArray<{ sku: string; available: number; priceCents: number }> = [
  { sku: 'SKU-COFFEE', available: 100, priceCents: 1250 },
  { sku: 'SKU-MUG', available: 50, priceCents: 899 },
  { sku: 'SKU-GRINDER', available: 10, priceCents: 4999 },
  { sku: 'SKU-FILTERS', available: 500, priceCents: 399 },
  { sku: 'SKU-LIMITED', available: 1, priceCents: 19900 },
];

export async function loadDemoCatalog(dynamodb: DynamoDBClient, inventoryTable: string): Promise<void> {
  const now = new Date().toISOString();
  for (const item of DEMO_CATALOG) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: inventoryTable,
        Item: {
          pk: { S: `SKU#${item.sku}` },
          sku: { S: item.sku },
          available: { N: String(item.available) },
          priceCents: { N: String(item.priceCents) },
          updatedAt: { S: now },
        },
      }),
    );
  }
}
