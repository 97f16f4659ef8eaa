import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEMO_ORDER } from '../../../bin/local-app';
import { http, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime';
import { signedFetch } from '../../helpers/signed-fetch';

/**
 * Who may do what, on `npm start` as it enforces it (the default): the HTTP API's AWS_IAM routes
 * (SigV4 by a local principal, then execute-api:Invoke on the route's ARN against its managed
 * policy) and every function's role on its calls, each through the runtime's own endpoints.
 */
jest.setTimeout(180_000);

interface PrincipalsFile {
  readonly apiUrl: string;
  readonly endpoints: { readonly kinesis: string; readonly dynamodb: string };
  readonly principals: ReadonlyArray<{ name: string; arn: string; accessKeyId: string; secretAccessKey: string }>;
}

const FUNCTIONS = ['api', 'saga', 'inventory', 'payment', 'shipping', 'email', 'projector', 'sweeper'];

describe('local access enforcement', () => {
  let h: TestRuntime;
  let file: PrincipalsFile;
  beforeAll(async () => {
    h = await startTestRuntime();
    file = JSON.parse(readFileSync(h.runtime.principalsFile, 'utf8')) as PrincipalsFile;
  }, 240_000);
  afterAll(() => h?.stop());

  const principal = (name: string) => {
    const found = file.principals.find((p) => p.name === name);
    if (!found) throw new Error(`no local principal ${name}`);
    return found;
  };

  it('writes local-principals.json with the API, both endpoints, storefront, admin and one principal per function', () => {
    expect(file.apiUrl).toBe(h.apiUrl);
    expect(file.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(file.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(file.principals.map((p) => p.name).sort()).toEqual(['admin', 'storefront', ...FUNCTIONS].sort());
  });

  it.each(FUNCTIONS)("denies the %s function's role a Scan of the orders table with AWS's message", async (name) => {
    const who = principal(name);
    const client = new DynamoDBClient({
      endpoint: file.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
      maxAttempts: 1,
    });
    const table = h.tables.orders;
    await expect(client.send(new ScanCommand({ TableName: table }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message:
        `User: ${who.arn} is not authorized to perform: dynamodb:Scan on resource: ` +
        `arn:aws:dynamodb:us-east-1:000000000000:table/${table} because no identity-based policy allows the dynamodb:Scan action`,
    });
    client.destroy();
  });

  it('denies the API function a Kinesis call outside its role (it may only put records)', async () => {
    const api = principal('api');
    const kinesis = new KinesisClient({
      endpoint: file.endpoints.kinesis,
      region: 'us-east-1',
      credentials: { accessKeyId: api.accessKeyId, secretAccessKey: api.secretAccessKey },
      maxAttempts: 1,
      // The local endpoints speak HTTP/1.1 (the SDK's Kinesis client defaults to HTTP/2).
      requestHandler: new NodeHttpHandler(),
    });
    await expect(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: h.streamName }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    kinesis.destroy();
  });

  it('refuses unsigned, wrongly signed and stale requests to an IAM route with 403', async () => {
    const url = `${h.apiUrl}/inventory/SKU-ANY`;
    const storefront = principal('storefront');
    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ message: 'Forbidden' });

    const wrongSecret = await signedFetch(url, {}, { accessKeyId: storefront.accessKeyId, secretAccessKey: 'nope' });
    expect(wrongSecret.status).toBe(403);
    expect(((await wrongSecret.json()) as { message: string }).message).toMatch(
      /^The request signature we calculated does not match the signature you provided/,
    );

    const unknownKey = await signedFetch(url, {}, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    expect(unknownKey.status).toBe(403);
    expect(await unknownKey.json()).toEqual({ message: 'The security token included in the request is invalid.' });

    const stale = await signedFetch(url, { signingDate: new Date(Date.now() - 20 * 60_000) }, storefront);
    expect(stale.status).toBe(403);
    expect(((await stale.json()) as { message: string }).message).toMatch(/^Signature expired: /);
  });

  it('lets storefront call the customer routes only, and admin the admin routes', async () => {
    const adminWrite = await http(h, 'PUT', '/inventory/ACCESS-SKU', { available: 3, priceCents: 100 }, {}, 'admin');
    expect(adminWrite.status).toBe(200);
    const storefrontWrite = await http(h, 'POST', '/inventory/ACCESS-SKU/adjustments', { delta: 1 }, {}, 'storefront');
    expect(storefrontWrite).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    const storefrontRead = await http(h, 'GET', '/inventory/ACCESS-SKU', undefined, {}, 'storefront');
    expect(storefrontRead).toMatchObject({ status: 200, body: { available: 3 } });
    const order = await http(h, 'POST', '/orders', { ...DEMO_ORDER, items: [{ sku: 'ACCESS-SKU', quantity: 1 }] });
    expect(order.status).toBe(202);
    // Every refusal above was counted; the order's own calls were not refused.
    expect(h.runtime.access.checker.recent.some((d) => d.principal === 'storefront')).toBe(true);
    const overview = (await (await fetch(`${h.runtime.consoleUrl}/api/overview`)).json()) as {
      accessDenials: { count: number; recent: { principal: string; action: string }[] };
    };
    expect(overview.accessDenials.count).toBe(h.runtime.access.checker.count);
    expect(overview.accessDenials.recent).toContainEqual(
      expect.objectContaining({ principal: 'storefront', action: 'execute-api:Invoke' }),
    );
  });
});
