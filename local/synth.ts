import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Synthesizes the CDK app (cdk.json "app") for one stage into an output folder, exactly as
 * `cdk deploy` would before uploading: the local runtime then runs what the template declares
 * and the bundled assets it references.
 */

export interface SynthOptions {
  /** Project root (where cdk.json is). @default process.cwd() */
  readonly projectDir?: string;
  /** The stack to synthesize (the app's name for the stage). */
  readonly stackName: string;
  /** Stage passed as `-c stage=<stage>`. @default 'local' */
  readonly stage?: string;
  /** Output folder. @default '<projectDir>/cdk.out' */
  readonly outDir?: string;
  /** Extra `-c key=value` context. */
  readonly context?: Readonly<Record<string, string>>;
}

export interface SynthResult {
  readonly stackName: string;
  readonly outDir: string;
  readonly templatePath: string;
}

export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const stage = options.stage ?? 'local';
  const outDir = resolve(options.outDir ?? join(projectDir, 'cdk.out'));
  const { stackName } = options;
  const cdkCli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
  const contextArgs = Object.entries({ stage, ...options.context }).flatMap(([key, value]) => [
    '-c',
    `${key}=${value}`,
  ]);
  const args = [cdkCli, 'synth', '--quiet', '--output', outDir, ...contextArgs, stackName];

  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolveRun({ code: exitCode, output: text }));
  });
  const templatePath = join(outDir, `${stackName}.template.json`);
  if (code !== 0 || !existsSync(templatePath)) {
    throw new Error(
      `cdk synth of ${stackName} failed (exit ${code}):\n${output.trim().split('\n').slice(-40).join('\n')}`,
    );
  }
  return { stackName, outDir, templatePath };
}
