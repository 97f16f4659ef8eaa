import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PERMISSIONS_COMMAND,
  PERMISSIONS_END,
  PERMISSIONS_START,
  renderPermissionsTable,
  replacePermissionsBlock,
} from '../../../lib/permissions-doc';
import { ALL_SERVICES, API_IDEMPOTENCY_KEY_PREFIX, API_SERVICE, type ServiceDefinition } from '../../../lib/services';

const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README permissions table (generated from lib/services.ts)', () => {
  it('is up to date in README.md', () => {
    const current = readme.slice(readme.indexOf(PERMISSIONS_START), readme.indexOf(PERMISSIONS_END));
    const expected = replacePermissionsBlock(current + PERMISSIONS_END, renderPermissionsTable());

    // A failure here: run the command below and commit README.md
    expect({ command: PERMISSIONS_COMMAND, block: current + PERMISSIONS_END }).toEqual({
      command: PERMISSIONS_COMMAND,
      block: expected,
    });
  });

  it('has one row per function with its DynamoDB actions per table and the API key condition', () => {
    const rows = renderPermissionsTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));

    expect(rows.map((row) => row.split(' | ')[0])).toEqual(ALL_SERVICES.map((s) => `| \`${s.name}\``));
    expect(rows[0]).toContain('**orders**: `dynamodb:GetItem` |'.replace(' |', '<br>'));
    expect(rows[0]).toContain(`keys \`${API_IDEMPOTENCY_KEY_PREFIX}*\` only`);
    expect(rows.find((row) => row.startsWith('| `sweeper`'))).toContain(
      '**saga (index DeadlineIndex)**: `dynamodb:Query`',
    );
  });

  it('changes when the declaration changes (so it cannot drift from the grants)', () => {
    const widened: ServiceDefinition = {
      ...API_SERVICE,
      tables: [...API_SERVICE.tables, { table: 'orders', actions: ['Query'] }],
    };

    expect(renderPermissionsTable([widened])).not.toEqual(renderPermissionsTable([API_SERVICE]));
    expect(renderPermissionsTable([widened])).toContain('`dynamodb:Query`');
  });

  it('refuses a README without the markers', () => {
    expect(() => replacePermissionsBlock('# no markers', 'x')).toThrow(/missing <!-- permissions:start -->/);
  });
});
