import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { FUNCTION_BUNDLING } from '../../../../lib/constructs/service-function';

/** Issue 9: every function bundle at most 450 KB minified. */
const BUDGET_BYTES = 450 * 1024;
const PROJECT = resolve(__dirname, '..', '..', '..', '..');
const HANDLERS = readdirSync(join(PROJECT, 'lambdas'))
  .map((dir) => join('lambdas', dir, 'handler.ts'))
  .filter((entry) => existsSync(join(PROJECT, entry)));

/** The bundle of `entry` as the ServiceFunction construct builds it (same esbuild options). */
async function bundle(entry: string) {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PROJECT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    minify: FUNCTION_BUNDLING.minify,
    target: FUNCTION_BUNDLING.target,
    format: FUNCTION_BUNDLING.format,
    external: [...FUNCTION_BUNDLING.externalModules],
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    logLevel: 'silent',
  });
  const inputs = Object.keys(Object.values(result.metafile.outputs)[0]!.inputs);
  return { bytes: result.outputFiles[0]!.contents.length, inputs };
}

describe('function bundles', () => {
  it('finds every function handler', () => {
    expect(HANDLERS.length).toBeGreaterThanOrEqual(8);
  });

  it.each(HANDLERS)('%s bundles to at most 450 KB minified, without zod locales', async (entry) => {
    const { bytes, inputs } = await bundle(entry);
    expect(inputs.filter((input) => /zod\/.*locales\/(?!en\.)/.test(input))).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
