import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionDefinitions } from '../../../local/functions';
import { type CfnTemplate, LocalTemplate } from '../../../local/template';

const context = { stackName: 'S', region: 'us-east-1', accountId: '000000000000' };

describe('functionDefinitions', () => {
  const cdkOut = mkdtempSync(join(tmpdir(), 'fn-defs-'));
  mkdirSync(join(cdkOut, 'asset.abc'));
  writeFileSync(join(cdkOut, 'asset.abc', 'index.js'), 'exports.handler = async () => 1;');
  afterAll(() => rmSync(cdkOut, { recursive: true, force: true }));

  const template = (
    props: Record<string, unknown>,
    metadata: Record<string, unknown> = { 'aws:asset:path': 'asset.abc' },
  ): LocalTemplate =>
    new LocalTemplate(
      {
        Resources: {
          Table: { Type: 'AWS::DynamoDB::Table' },
          Logs: { Type: 'AWS::Logs::LogGroup' },
          Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', ...props }, Metadata: metadata },
        },
      } as CfnTemplate,
      context,
    );

  it('points at the bundled asset and resolves the environment to local names', () => {
    const [fn] = functionDefinitions(
      template({
        Timeout: 30,
        MemorySize: 512,
        Environment: { Variables: { ORDERS_TABLE: { Ref: 'Table' }, POWERTOOLS_SERVICE_NAME: 'saga' } },
        LoggingConfig: { LogGroup: { Ref: 'Logs' } },
      }),
      cdkOut,
    );

    expect(fn).toMatchObject({
      logicalId: 'Fn',
      functionName: 'S-Fn',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:S-Fn',
      handlerFile: join(cdkOut, 'asset.abc', 'index.js'),
      handlerName: 'handler',
      timeoutSeconds: 30,
      memorySize: 512,
      environment: { ORDERS_TABLE: 'S-Table', POWERTOOLS_SERVICE_NAME: 'saga' },
      serviceName: 'saga',
      logGroupName: 'S-Logs',
    });
  });

  it("uses Lambda's defaults (3 s, 128 MB, /aws/lambda/<name>) when the template sets nothing", () => {
    const [fn] = functionDefinitions(template({}), cdkOut);

    expect(fn).toMatchObject({
      timeoutSeconds: 3,
      memorySize: 128,
      logGroupName: '/aws/lambda/S-Fn',
      serviceName: 'Fn',
      environment: {},
    });
  });

  it('refuses functions without a bundled asset or whose handler module is missing', () => {
    expect(() => functionDefinitions(template({}, {}), cdkOut)).toThrow(/no bundled asset/);
    expect(() => functionDefinitions(template({ Handler: 'main.handler' }), cdkOut)).toThrow(/main\.js not found/);
  });
});
