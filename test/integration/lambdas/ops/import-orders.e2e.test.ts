import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbCatalog } from '../../../../lambdas/adapters/dynamodb-catalog';
import { importLegacyOrders, orderIdForLegacyOrder } from '../../../../lambdas/ops/legacy-import';
import { OrderedPutter } from '../../../../lambdas/ops/ordered-put';
import { putStock, startTestRuntime, stockOf, type TestRuntime, waitForTerminal } from '../../../helpers/local-runtime';

/** Imported legacy orders go through the whole local runtime like orders placed through the API. */
jest.setTimeout(120_000);

describe('imported orders on the local runtime', () => {
  let h: TestRuntime;
  let folder: string;
  beforeAll(async () => {
    h = await startTestRuntime();
    folder = mkdtempSync(join(tmpdir(), 'import-e2e-'));
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reach COMPLETED, each once, and a second import changes nothing', async () => {
    // Prepare
    const run = randomUUID().slice(0, 8);
    const sku = `IMPORT-${run}`;
    await putStock(h, sku, 10, 1_999);
    const ids = [1, 2, 3].map((n) => `legacy-${run}-${n}`);
    const file = join(folder, 'orders.jsonl');
    writeFileSync(
      file,
      ids
        .map((legacyOrderId, index) =>
          JSON.stringify({
            legacyOrderId,
            customerId: 'legacy-customer',
            email: 'legacy@example.com',
            items: [{ sku, quantity: index + 1 }],
            shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' },
          }),
        )
        .join('\n'),
    );
    const importFile = () =>
      importLegacyOrders({
        file,
        catalog: new DynamoDbCatalog(h.documents, { tableName: h.tables.inventory }),
        put: (records) => new OrderedPutter({ client: h.kinesis, streamName: h.streamName }).put(records),
      });

    // Act
    const first = await importFile();
    const views = await Promise.all(ids.map((id) => waitForTerminal(h, orderIdForLegacyOrder(id))));
    const second = await importFile();

    // Assess
    expect(first).toMatchObject({ sent: 3, failed: 0 });
    expect(views.map((view) => [view.status, view.totalCents])).toEqual([
      ['COMPLETED', 1_999],
      ['COMPLETED', 2 * 1_999],
      ['COMPLETED', 3 * 1_999],
    ]);
    expect(second).toMatchObject({ sent: 0, skipped: 3, failed: 0 });
    expect(await stockOf(h, sku)).toBe(10 - 6);
  });
});
