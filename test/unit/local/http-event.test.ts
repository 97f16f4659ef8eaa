import {
  buildHttpApiEvent,
  formatRequestTime,
  type IncomingRequest,
  MalformedResponseError,
  mapHttpApiResult,
  type RequestMeta,
} from '../../../local/http-event';

const meta: RequestMeta = {
  routeKey: 'GET /orders/{orderId}',
  pathParameters: { orderId: 'o-1' },
  requestId: 'req-1',
  accountId: '000000000000',
  apiId: 'api-1',
  domainName: '127.0.0.1:3000',
  now: new Date('2026-03-12T19:03:58.123Z'),
};

function aRequest(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: 'get',
    url: '/orders/o-1?verbose=true&tag=a&tag=b',
    rawHeaders: [
      'Host',
      '127.0.0.1:3000',
      'User-Agent',
      'curl/8',
      'X-Multi',
      'one',
      'X-Multi',
      'two',
      'Cookie',
      'a=1; b=2',
    ],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    ...overrides,
  };
}

describe('buildHttpApiEvent', () => {
  it('builds a payload format 2.0 event with the route, raw path/query and request context', () => {
    // Act
    const event = buildHttpApiEvent(aRequest(), meta);

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /orders/{orderId}',
      rawPath: '/orders/o-1',
      rawQueryString: 'verbose=true&tag=a&tag=b',
      pathParameters: { orderId: 'o-1' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'api-1',
        domainName: '127.0.0.1:3000',
        http: { method: 'GET', path: '/orders/o-1', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8' },
        requestId: 'req-1',
        routeKey: 'GET /orders/{orderId}',
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: Date.parse('2026-03-12T19:03:58.123Z'),
      },
    });
    expect(event.body).toBeUndefined();
  });

  it('lower-cases header names, joins repeated headers and query values with commas, and moves cookies out of the headers', () => {
    const event = buildHttpApiEvent(aRequest(), meta);

    expect(event.headers).toMatchObject({ host: '127.0.0.1:3000', 'user-agent': 'curl/8', 'x-multi': 'one,two' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.queryStringParameters).toEqual({ verbose: 'true', tag: 'a,b' });
  });

  it('passes a JSON body as text and a binary body base64-encoded', () => {
    const json = buildHttpApiEvent(
      aRequest({ rawHeaders: ['Content-Type', 'application/json'], body: Buffer.from('{"a":1}') }),
      meta,
    );
    const binary = buildHttpApiEvent(
      aRequest({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: Buffer.from([0, 1, 2]) }),
      meta,
    );

    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    expect(binary).toMatchObject({ body: 'AAEC', isBase64Encoded: true });
  });

  it('omits queryStringParameters and pathParameters when there are none', () => {
    const event = buildHttpApiEvent(aRequest({ url: '/orders' }), {
      ...meta,
      routeKey: 'POST /orders',
      pathParameters: {},
    });

    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.rawQueryString).toBe('');
  });

  it('formats requestContext.time with a two-digit day', () => {
    expect(formatRequestTime(new Date('2026-01-05T01:02:03Z'))).toBe('05/Jan/2026:01:02:03 +0000');
  });
});

describe('mapHttpApiResult', () => {
  it('maps a structured response: status, lower-cased headers, cookies and body', () => {
    const response = mapHttpApiResult({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', Location: '/x' },
      cookies: ['s=1'],
      body: 'made',
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'text/plain', location: '/x' });
    expect(response.cookies).toEqual(['s=1']);
    expect(response.body.toString()).toBe('made');
  });

  it('decodes a base64 body when isBase64Encoded is true', () => {
    const response = mapHttpApiResult({
      statusCode: 200,
      body: Buffer.from('bytes').toString('base64'),
      isBase64Encoded: true,
    });

    expect(response.body.toString()).toBe('bytes');
  });

  it('treats a result without statusCode as a 200 application/json body (2.0 format rules)', () => {
    const object = mapHttpApiResult({ hello: 'world' });
    const text = mapHttpApiResult('Hello from Lambda!');

    expect(object).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(object.body.toString()).toBe('{"hello":"world"}');
    expect(text.body.toString()).toBe('Hello from Lambda!');
  });

  it('rejects an invalid statusCode or a non-string body as malformed', () => {
    expect(() => mapHttpApiResult({ statusCode: 'abc' })).toThrow(MalformedResponseError);
    expect(() => mapHttpApiResult({ statusCode: 200, body: { not: 'a string' } })).toThrow(MalformedResponseError);
  });
});
