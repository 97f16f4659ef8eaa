import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stackNameForStage } from '../../lib/app-config';
import { type SynthResult, synthesize } from '../../local/synth';

/**
 * Synthesizes the real CDK app (stage 'local') once per test file into a temp folder:
 *   const synth = useSynthesizedApp();   // at describe level
 *   ... synth().templatePath ...
 */
export function useSynthesizedApp(): () => SynthResult {
  let result: SynthResult | undefined;
  const outDir = mkdtempSync(join(tmpdir(), 'orderstream-cdk-'));
  beforeAll(async () => {
    result = await synthesize({
      projectDir: resolve(__dirname, '..', '..'),
      stackName: stackNameForStage('local'),
      stage: 'local',
      outDir,
    });
  }, 180_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));
  return () => {
    if (!result) throw new Error('app not synthesized: call useSynthesizedApp() at describe level');
    return result;
  };
}
