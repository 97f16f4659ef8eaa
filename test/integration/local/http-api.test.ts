import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionRunner } from '../../../local/function-runner';
import { functionDefinitions } from '../../../local/functions';
import { type RunningHttpApi, startHttpApi } from '../../../local/http-api';
import { httpApiDefinition } from '../../../local/routes';
import { type CfnTemplate, LocalTemplate } from '../../../local/template';

/** The HTTP API over real HTTP, routes from a template, a real function behind it in its own process. */
const cdkOut = mkdtempSync(join(tmpdir(), 'http-api-'));
const ECHO = `exports.handler = async (event) => {
  if (event.rawPath === '/boom') throw new Error('boom');
  if (event.rawPath === '/malformed') return { statusCode: 'not-a-status' };
  if (event.rawPath === '/plain') return { plain: true };
  return { statusCode: 201, headers: { 'X-Echo': 'yes', 'content-type': 'application/json' }, cookies: ['session=abc'], body: JSON.stringify(event) };
};`;
mkdirSync(join(cdkOut, 'asset.echo'));
writeFileSync(join(cdkOut, 'asset.echo', 'index.js'), ECHO);

const route = (key: string) => ({
  Type: 'AWS::ApiGatewayV2::Route',
  Properties: {
    ApiId: { Ref: 'Api' },
    RouteKey: key,
    Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
  },
});
const template: CfnTemplate = {
  Resources: {
    Echo: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: 'index.handler', Timeout: 5 },
      Metadata: { 'aws:asset:path': 'asset.echo' },
    },
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'Api' },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': ['Echo', 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    GetOrder: route('GET /orders/{orderId}'),
    PostOrders: route('POST /orders'),
    Boom: route('GET /boom'),
    Malformed: route('GET /malformed'),
    Plain: route('GET /plain'),
  },
};

describe('HTTP API', () => {
  let ready = false;
  let runner: FunctionRunner;
  let api: RunningHttpApi;

  beforeAll(async () => {
    const local = new LocalTemplate(template, { stackName: 'Test', region: 'us-east-1', accountId: '000000000000' });
    runner = new FunctionRunner({
      functions: functionDefinitions(local, cdkOut),
      region: 'us-east-1',
      onLog: () => undefined,
    });
    api = await startHttpApi({
      api: httpApiDefinition(local)!,
      accountId: '000000000000',
      port: 0,
      isReady: () => ready,
      invoke: (arn, event) => runner.invoke(arn, event),
    });
  });
  afterAll(async () => {
    await api.stop();
    await runner.stop();
    rmSync(cdkOut, { recursive: true, force: true });
  });

  it('answers GET /health 503 until every component is ready, then 200', async () => {
    const before = await fetch(`${api.url}/health`);
    ready = true;
    const after = await fetch(`${api.url}/health`);

    expect(before.status).toBe(503);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ status: 'ok' });
  });

  it("invokes the route's function with a payload format 2.0 event and maps its structured response back", async () => {
    // Act
    const response = await fetch(`${api.url}/orders/o%2D7?x=1&x=2`, { headers: { 'X-Trace': 'abc', Cookie: 'a=1' } });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('session=abc');
    expect(response.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const event = (await response.json()) as { requestContext: { requestId: string } };
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /orders/{orderId}',
      rawPath: '/orders/o%2D7',
      rawQueryString: 'x=1&x=2',
      pathParameters: { orderId: 'o-7' },
      queryStringParameters: { x: '1,2' },
      cookies: ['a=1'],
      headers: expect.objectContaining({ 'x-trace': 'abc' }),
      isBase64Encoded: false,
      requestContext: expect.objectContaining({
        accountId: '000000000000',
        apiId: 'Test-Api',
        stage: '$default',
        routeKey: 'GET /orders/{orderId}',
        http: expect.objectContaining({ method: 'GET', path: '/orders/o%2D7', sourceIp: '127.0.0.1' }),
      }),
    });
    expect(event.requestContext.requestId).toBe(response.headers.get('apigw-requestid'));
  });

  it('passes a JSON request body as text', async () => {
    const response = await fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    expect(await response.json()).toMatchObject({ routeKey: 'POST /orders', body: '{"a":1}', isBase64Encoded: false });
  });

  it('turns a result without statusCode into a 200 JSON response', async () => {
    const response = await fetch(`${api.url}/plain`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ plain: true });
  });

  it('answers 404 problem+json for a route the template does not declare', async () => {
    const response = await fetch(`${api.url}/orders`, { method: 'DELETE' });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('answers 500 Internal Server Error, like API Gateway, when the function fails or returns a malformed response', async () => {
    const failed = await fetch(`${api.url}/boom`);
    const malformed = await fetch(`${api.url}/malformed`);

    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    expect(malformed.status).toBe(500);
  });
});
