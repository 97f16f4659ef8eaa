import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  apiGatewayIamFailure,
  awsJsonAuthFailure,
  type LocalCredential,
  MISMATCH_MESSAGE,
  type SignedRequest,
  type SigV4Rejection,
  verifySigV4,
} from '../../../../local/auth/sigv4';
import botocoreFixture from './fixtures/botocore-sigv4.json';

const run = promisify(execFile);

const orders: LocalCredential = {
  name: 'OrdersApiFunction',
  accessKeyId: 'AKIDLOCALORDERS',
  secretAccessKey: 'orders-secret',
  principalArn: 'arn:aws:iam::000000000000:role/OrdersApiFunctionRole',
};
const botocoreKey: LocalCredential = {
  name: 'Botocore',
  accessKeyId: botocoreFixture.accessKeyId,
  secretAccessKey: botocoreFixture.secretAccessKey,
  principalArn: 'arn:aws:iam::000000000000:role/Botocore',
};
const lookup = (id: string) => [orders, botocoreKey].find((c) => c.accessKeyId === id);
const signedAt = new Date('2026-03-01T12:00:00Z');

interface SdkSignOptions {
  readonly method?: string;
  /** Already escaped, as the SDK's serializers hand it to the signer. */
  readonly path?: string;
  readonly query?: Record<string, string | string[]>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly service?: string;
  readonly region?: string;
  readonly secret?: string;
  readonly applyChecksum?: boolean;
  readonly date?: Date;
}

function wireQuery(query: Record<string, string | string[]>): string {
  // What a client puts on the wire: each key and value percent-encoded, in insertion order (not sorted).
  return Object.entries(query)
    .flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeURIComponent(one)}`),
    )
    .join('&');
}

async function sdkSign(options: SdkSignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: orders.accessKeyId, secretAccessKey: options.secret ?? orders.secretAccessKey },
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  const path = options.path ?? '/orders';
  const query = options.query ?? {};
  const body = options.body ?? '';
  const signed = await signer.sign(
    {
      method: options.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3000,
      path,
      query,
      headers: { host: '127.0.0.1:3000', ...options.headers },
      body: body === '' ? undefined : body,
    },
    { signingDate: options.date ?? signedAt },
  );
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  const q = wireQuery(query);
  return { method: signed.method, url: q ? `${path}?${q}` : path, headers, body: Buffer.from(body) };
}

const verify = (request: SignedRequest, overrides: Partial<Parameters<typeof verifySigV4>[1]> = {}) =>
  verifySigV4(request, {
    service: 'execute-api',
    region: 'us-east-1',
    credentials: lookup,
    now: signedAt,
    ...overrides,
  });

function rejection(result: ReturnType<typeof verifySigV4>): SigV4Rejection {
  if (result.ok) throw new Error('expected the request to be refused');
  return result;
}

/** Sends the request with curl's own SigV4 signer to a capturing server and returns what arrived on the wire. */
async function curlSigned(args: readonly string[], pathAndQuery: string): Promise<SignedRequest> {
  let captured: SignedRequest | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await run('curl', [
      '-sS',
      '--aws-sigv4',
      'aws:amz:us-east-1:execute-api',
      '--user',
      `${orders.accessKeyId}:${orders.secretAccessKey}`,
      ...args,
      `http://127.0.0.1:${port}${pathAndQuery}`,
    ]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!captured) throw new Error('curl did not reach the server');
  return captured;
}

describe('verifySigV4 with real signers', () => {
  it('accepts a request signed by the AWS SDK v3 signer, with an encoded path segment and a query string', async () => {
    const request = await sdkSign({ path: '/orders/a%20b/items', query: { z: 'last', a: ['first one', 'x/y'] } });

    const result = verify(request);

    expect(result).toEqual({
      ok: true,
      credential: orders,
      region: 'us-east-1',
      service: 'execute-api',
      canonicalForm: 'aws',
    });
  });

  it('accepts a POST with a JSON body signed by the AWS SDK v3 signer', async () => {
    const request = await sdkSign({
      method: 'POST',
      body: JSON.stringify({ sku: 'a', qty: 2 }),
      headers: { 'content-type': 'application/json' },
    });

    expect(verify(request).ok).toBe(true);
  });

  it('accepts a request signed by botocore (fixture), which double-encodes the path like the SDK', () => {
    const { method, url, headers, body } = botocoreFixture;

    const result = verify({ method, url, headers, body: Buffer.from(body) });

    expect(result).toMatchObject({ ok: true, credential: botocoreKey, canonicalForm: 'aws' });
  });

  it('accepts a GET signed by curl --aws-sigv4, which signs the path and query as sent', async () => {
    const request = await curlSigned([], '/orders/a%20b/items?z=2&a=1');

    expect(request.url).toBe('/orders/a%20b/items?z=2&a=1');
    expect(verify(request, { now: new Date() })).toMatchObject({ ok: true, canonicalForm: 'as-sent' });
    // AWS itself would refuse it: only the as-sent fallback makes it pass.
    expect(rejection(verify(request, { now: new Date(), acceptAsSentCanonicalForm: false })).failure).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('accepts a POST with a JSON body signed by curl --aws-sigv4', async () => {
    const request = await curlSigned(
      ['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"sku":"a","qty":2}'],
      '/orders',
    );

    expect(request.body.toString()).toBe('{"sku":"a","qty":2}');
    expect(verify(request, { now: new Date() })).toMatchObject({ ok: true, credential: orders, canonicalForm: 'aws' });
  });
});

describe('verifySigV4 refusals', () => {
  it('reports an unsigned request as MISSING, which API Gateway answers with a bare Forbidden', () => {
    const result = rejection(verify({ method: 'GET', url: '/orders', headers: { host: 'x' }, body: Buffer.alloc(0) }));

    expect(result.failure).toBe('MISSING');
    expect(apiGatewayIamFailure(result)).toMatchObject({ statusCode: 403, body: { message: 'Forbidden' } });
  });

  it('answers an unsigned DynamoDB call with the coral-qualified error type and Kinesis with the bare one', () => {
    const result = rejection(verify({ method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) }));

    expect(awsJsonAuthFailure(result, 'dynamodb')).toEqual({
      statusCode: 400,
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'x-amzn-ErrorType':
          'MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      },
      body: {
        __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
        message: 'Request is missing Authentication Token',
      },
    });
    expect(awsJsonAuthFailure(result, 'kinesis').body).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('treats a non-SigV4 Authorization header (a bearer token) as no signature', () => {
    const result = verify({ method: 'GET', url: '/', headers: { authorization: 'Bearer abc' }, body: Buffer.alloc(0) });

    expect(rejection(result).failure).toBe('MISSING');
  });

  it('refuses an unknown access key with "The security token included in the request is invalid."', async () => {
    const request = await sdkSign();

    const result = rejection(verify(request, { credentials: () => undefined }));

    expect(result.failure).toBe('UNKNOWN_KEY');
    expect(apiGatewayIamFailure(result).body).toEqual({
      message: 'The security token included in the request is invalid.',
    });
    expect(awsJsonAuthFailure(result, 'dynamodb').body.__type).toBe(
      'com.amazon.coral.service#UnrecognizedClientException',
    );
  });

  it('refuses a request signed with the wrong secret, and says what it expected like AWS does', async () => {
    const request = await sdkSign({ secret: 'not-the-secret' });

    const result = rejection(verify(request));

    expect(result.failure).toBe('BAD_SIGNATURE');
    expect(result.message.startsWith(MISMATCH_MESSAGE)).toBe(true);
    expect(result.message).toContain("The Canonical String for this request should have been\n'GET\n/orders\n");
    expect(awsJsonAuthFailure(result, 'kinesis')).toMatchObject({
      statusCode: 400,
      body: { __type: 'InvalidSignatureException' },
    });
  });

  it('refuses a tampered body whose hash was declared in x-amz-content-sha256', async () => {
    const request = await sdkSign({ method: 'POST', body: '{"qty":1}' });
    expect(request.headers['x-amz-content-sha256']).toBeDefined();

    const result = rejection(verify({ ...request, body: Buffer.from('{"qty":9}') }));

    expect(result.failure).toBe('BAD_SIGNATURE');
  });

  it('refuses a tampered body when the payload hash was not sent as a header', async () => {
    const request = await sdkSign({ method: 'POST', body: '{"qty":1}', applyChecksum: false });
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    expect(verify(request).ok).toBe(true);

    expect(rejection(verify({ ...request, body: Buffer.from('{"qty":9}') })).failure).toBe('BAD_SIGNATURE');
  });

  it('accepts any body under UNSIGNED-PAYLOAD, since that literal is what gets signed', async () => {
    const request = await sdkSign({
      method: 'POST',
      body: 'x',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });

    expect(verify({ ...request, body: Buffer.from('something else') }).ok).toBe(true);
  });

  it('refuses a tampered path and a tampered query string', async () => {
    const request = await sdkSign({ path: '/orders/o-1', query: { view: 'full' } });
    expect(verify(request).ok).toBe(true);

    expect(rejection(verify({ ...request, url: '/orders/o-2?view=full' })).failure).toBe('BAD_SIGNATURE');
    expect(rejection(verify({ ...request, url: '/orders/o-1?view=all' })).failure).toBe('BAD_SIGNATURE');
  });

  it('ignores a change to a header outside SignedHeaders but refuses a change to a signed one', async () => {
    const request = await sdkSign({ headers: { 'x-tenant': 'acme' } });
    expect(String(request.headers.authorization)).toContain('x-tenant');

    const unsignedChanged = verify({ ...request, headers: { ...request.headers, 'user-agent': 'something/else' } });
    const signedChanged = verify({ ...request, headers: { ...request.headers, 'x-tenant': 'evil' } });

    expect(unsignedChanged.ok).toBe(true);
    expect(rejection(signedChanged).failure).toBe('BAD_SIGNATURE');
  });

  it('canonicalizes header values: trimmed, inner whitespace collapsed, multiple values joined with ","', async () => {
    const request = await sdkSign({ headers: { 'x-note': 'a    b', 'x-list': 'one,two' } });

    expect(verify({ ...request, headers: { ...request.headers, 'x-note': '  a \t b ' } }).ok).toBe(true);
    expect(verify({ ...request, headers: { ...request.headers, 'x-list': ['one', 'two'] } }).ok).toBe(true);
  });

  it('refuses a date more than 15 minutes in the past with AWS\'s "Signature expired" message', async () => {
    const request = await sdkSign();

    const result = rejection(verify(request, { now: new Date('2026-03-01T12:16:00Z') }));

    expect(result.failure).toBe('STALE');
    expect(result.message).toBe(
      'Signature expired: 20260301T120000Z is now earlier than 20260301T120100Z (20260301T121600Z - 15 min.)',
    );
    expect(verify(request, { now: new Date('2026-03-01T12:14:59Z') }).ok).toBe(true);
  });

  it('refuses a date more than 15 minutes in the future with AWS\'s "Signature not yet current" message', async () => {
    const request = await sdkSign();

    const result = rejection(verify(request, { now: new Date('2026-03-01T11:44:00Z') }));

    expect(result.failure).toBe('STALE');
    expect(result.message).toBe(
      'Signature not yet current: 20260301T120000Z is still later than 20260301T115900Z (20260301T114400Z + 15 min.)',
    );
    expect(apiGatewayIamFailure(result).body.message).toBe(result.message);
  });

  it('refuses a credential scoped to another service, or to another region when one is required', async () => {
    const forDynamo = await sdkSign({ service: 'dynamodb' });
    const inEurope = await sdkSign({ region: 'eu-west-1' });

    const wrongService = rejection(verify(forDynamo));
    const wrongRegion = rejection(verify(inEurope));

    expect(wrongService).toMatchObject({
      failure: 'WRONG_SCOPE',
      message: "Credential should be scoped to correct service: 'execute-api'.",
    });
    expect(wrongRegion).toMatchObject({
      failure: 'WRONG_SCOPE',
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
    expect(verify(inEurope, { region: undefined })).toMatchObject({ ok: true, region: 'eu-west-1' });
  });

  it('reports an Authorization header without a Signature as MALFORMED (IncompleteSignatureException)', async () => {
    const request = await sdkSign();
    const authorization = String(request.headers.authorization).replace(/, Signature=[0-9a-f]+/, '');

    const result = rejection(verify({ ...request, headers: { ...request.headers, authorization } }));

    expect(result.failure).toBe('MALFORMED');
    expect(result.message).toBe(`Authorization header requires 'Signature' parameter. Authorization=${authorization}`);
    expect(awsJsonAuthFailure(result, 'dynamodb').body.__type).toBe(
      'com.amazon.coral.service#IncompleteSignatureException',
    );
  });

  it('refuses a signature that does not cover the Host header', async () => {
    const request = await sdkSign({ headers: { 'x-tenant': 'acme' }, date: signedAt });
    const authorization = String(request.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');

    const result = rejection(verify({ ...request, headers: { ...request.headers, authorization } }));

    expect(result.message).toBe("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  });
});
