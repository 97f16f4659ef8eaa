import { stackNameForStage } from '../lib/app-config';
import { LOCAL_REGION } from '../local/emulators';
import { functionDefinitions, type LocalFunctionDefinition } from '../local/functions';
import { LOCAL_ACCOUNT_ID } from '../local/runtime';
import { synthesize } from '../local/synth';
import { LocalTemplate } from '../local/template';

/** The app as `cdk synth` built it for the benchmarks: its cdk.out, template and functions. */
export interface SynthesizedApp {
  readonly outDir: string;
  readonly template: LocalTemplate;
  readonly functions: readonly LocalFunctionDefinition[];
}

/** Runs `cdk synth` into `outDir` (bundling every function) and reads the local template. */
export async function synthesizeForBench(outDir: string): Promise<SynthesizedApp> {
  const t0 = Date.now();
  const { templatePath, stackName } = await synthesize({ outDir, stackName: stackNameForStage('local') });
  console.log(`(cdk synth for the bench: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const template = LocalTemplate.fromFile(templatePath, {
    stackName,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  return { outDir, template, functions: functionDefinitions(template, outDir) };
}
