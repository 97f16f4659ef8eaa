import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalTemplate } from './template';

/**
 * The Lambda functions of a template, as the local runner needs them: the bundled asset in
 * cdk.out (Metadata `aws:asset:path`), the handler, the timeout, memory and the environment
 * resolved to local names.
 */

export interface LocalFunctionDefinition {
  readonly logicalId: string;
  /** Physical name (what `Ref` of the function resolves to; mappings and routes use it). */
  readonly functionName: string;
  readonly functionArn: string;
  /** Absolute path of the handler module (e.g. <cdk.out>/asset.<hash>/index.js). */
  readonly handlerFile: string;
  /** Exported name inside the module (Handler `index.handler` -> `handler`). */
  readonly handlerName: string;
  /** Folder of the asset (LAMBDA_TASK_ROOT). */
  readonly codeDir: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly runtime: string;
  /** Environment.Variables, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** POWERTOOLS_SERVICE_NAME, else the logical id: the log prefix. */
  readonly serviceName: string;
  readonly logGroupName: string;
  /** TracingConfig Mode: Active = Lambda starts a trace per invocation. @default 'PassThrough' */
  readonly tracingMode: 'Active' | 'PassThrough';
}

/** Lambda's defaults when the template does not set them. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

export function functionDefinitions(template: LocalTemplate, cdkOutDir: string): LocalFunctionDefinition[] {
  return template.resourcesOfType('AWS::Lambda::Function').map(({ logicalId, resource }) => {
    const props = (resource.Properties ?? {}) as Record<string, unknown>;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      throw new Error(
        `function ${logicalId} has no bundled asset (Metadata aws:asset:path): inline code is not supported locally`,
      );
    }
    const codeDir = join(cdkOutDir, assetPath);
    const handler = String(props.Handler ?? 'index.handler');
    const dot = handler.lastIndexOf('.');
    const modulePath = handler.slice(0, dot);
    const handlerFile = ['.js', '.cjs', '.mjs']
      .map((ext) => join(codeDir, modulePath + ext))
      .find((file) => existsSync(file));
    if (!handlerFile) throw new Error(`function ${logicalId}: handler module ${modulePath}.js not found in ${codeDir}`);
    const variables = ((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    const environment = Object.fromEntries(
      Object.entries(template.resolve(variables) as Record<string, unknown>).map(([key, value]) => [
        key,
        String(value),
      ]),
    );
    const functionName = template.physicalName(logicalId);
    const logGroup = (props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
    return {
      logicalId,
      functionName,
      functionArn: template.getAtt(logicalId, 'Arn'),
      handlerFile,
      handlerName: handler.slice(dot + 1),
      codeDir,
      timeoutSeconds: Number(props.Timeout ?? DEFAULT_TIMEOUT_SECONDS),
      memorySize: Number(props.MemorySize ?? DEFAULT_MEMORY_MB),
      runtime: String(props.Runtime ?? 'nodejs22.x'),
      environment,
      serviceName: environment.POWERTOOLS_SERVICE_NAME ?? logicalId,
      logGroupName: logGroup !== undefined ? String(template.resolve(logGroup)) : `/aws/lambda/${functionName}`,
      tracingMode:
        (props.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active' ? 'Active' : 'PassThrough',
    };
  });
}
