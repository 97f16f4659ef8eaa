import { orderstreamLocalApp, outboxDirOf, TABLE_ROLES } from '../../../bin/local-app';
import type { LocalFunctionDefinition } from '../../../local/functions';
import { tablesByRole } from '../../../local/runtime';

const table = (logicalId: string) => ({ logicalId, name: `Orderstream-local-${logicalId}`, created: true });
const tables = ['OrdersTable', 'InventoryTable', 'SagaTable', 'LedgerTable', 'IdempotencyTable'].map(table);

describe('local runtime app options', () => {
  test('table roles resolve to the one table whose logical id starts with the prefix', () => {
    expect(tablesByRole(tables, TABLE_ROLES)).toEqual({
      orders: 'Orderstream-local-OrdersTable',
      inventory: 'Orderstream-local-InventoryTable',
      saga: 'Orderstream-local-SagaTable',
      ledger: 'Orderstream-local-LedgerTable',
    });
    expect(tablesByRole(tables, undefined)).toEqual({});
  });

  test('a role matching no table or several tables is refused, naming the tables', () => {
    expect(() => tablesByRole(tables, { stock: 'Stock' })).toThrow(
      "table role 'stock': 0 tables have a logical id starting with 'Stock'",
    );
    expect(() => tablesByRole([...tables, table('OrdersArchive')], { orders: 'Orders' })).toThrow(
      /2 tables .* tables: OrdersTable, InventoryTable/,
    );
  });

  test("orderstream's pieces: the outbox goes to the email function only; the demo catalogue can be left out", () => {
    const app = orderstreamLocalApp();
    const fn = (serviceName: string) => ({ serviceName }) as LocalFunctionDefinition;
    expect(app.functionEnvironment?.(fn('email'), '/data')).toEqual({ EMAIL_OUTBOX_DIR: outboxDirOf('/data') });
    expect(app.functionEnvironment?.(fn('payment'), '/data')).toEqual({});
    expect(app.onFreshStart).toBeDefined();
    expect(orderstreamLocalApp({ demoCatalog: false }).onFreshStart).toBeUndefined();
  });
});
