import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPermissionsTable, replacePermissionsBlock } from '../lib/permissions-doc';

// `npm run docs:permissions`: rewrites README's generated permissions block from lib/services.ts.
const readmePath = join(__dirname, '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = replacePermissionsBlock(readme, renderPermissionsTable());
if (updated === readme) {
  console.log('README.md permissions block is up to date');
} else {
  writeFileSync(readmePath, updated);
  console.log('README.md permissions block rewritten from lib/services.ts');
}
