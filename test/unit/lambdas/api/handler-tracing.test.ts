import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { anHttpEvent } from '../../../helpers/api-fakes';

// The API handler with tracing ENABLED, as on AWS, against a real X-Ray SDK segment standing in for
// Lambda's facade (Powertools Tracer refuses to annotate a Segment; it annotates subsegments only).
// DynamoDB and SES point at a closed local port: the calls fail fast, but their subsegments show
// that the clients are captured. No daemon is needed: nothing is emitted while the segment is open.

const TRACE_ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const CLOSED_PORT = 'http://127.0.0.1:9';
Object.assign(process.env, {
  POWERTOOLS_TRACE_ENABLED: 'true',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  POWERTOOLS_SERVICE_NAME: 'api',
  _HANDLER: 'index.handler',
  _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=557abcec3ee5a047;Sampled=1`,
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_XRAY_DEBUG_MODE: '',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_DYNAMODB: CLOSED_PORT,
  AWS_ENDPOINT_URL_KINESIS: CLOSED_PORT,
  AWS_ENDPOINT_URL_SESV2: CLOSED_PORT,
  IDEMPOTENCY_TABLE: 'idempotency',
  INVENTORY_TABLE: 'inventory',
  ORDERS_TABLE: 'orders',
  STREAM_NAME: 'events',
});

// Loaded after the environment is set: Powertools decides "tracing on" when its instances are built.
const AWSXRay = require('aws-xray-sdk-core') as typeof import('aws-xray-sdk-core');
const { tracer } =
  require('../../../../lambdas/runtime/powertools') as typeof import('../../../../lambdas/runtime/powertools');

type XraySegment = import('aws-xray-sdk-core').Segment;
type XraySubsegment = import('aws-xray-sdk-core').Subsegment & { annotations?: Record<string, unknown> };

const context = { awsRequestId: 'req-1', functionName: 'api', getRemainingTimeInMillis: () => 10_000 } as Context;

/** Runs `work` with a fresh segment as the active (facade) segment, in its own X-Ray context. */
async function underFacade<T>(work: () => Promise<T>): Promise<{ result: T; facade: XraySegment }> {
  const facade = new AWSXRay.Segment('orderstream-api', TRACE_ROOT);
  const result = await AWSXRay.getNamespace().runPromise(async () => {
    tracer.setSegment(facade);
    return work();
  });
  return { result, facade };
}

const subsegmentsOf = (segment: { subsegments?: unknown[] }): XraySubsegment[] =>
  (segment.subsegments ?? []) as XraySubsegment[];

describe('API handler tracing (enabled, real X-Ray segments)', () => {
  let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  let warn: jest.SpyInstance;

  beforeAll(() => {
    ({ handler } = require('../../../../lambdas/api/handler'));
  });
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('puts ColdStart, Service, route and orderId on a `## handler` subsegment, none on the facade', async () => {
    expect(tracer.isTracingEnabled()).toBe(true);
    const orderId = 'c0ffee00-0000-4000-8000-000000000001';

    const { result, facade } = await underFacade(() =>
      handler(anHttpEvent('GET /orders/{orderId}', { pathParameters: { orderId } }), context),
    );

    expect(result.statusCode).toBe(500); // DynamoDB is unreachable: the router's 500, not a crash
    expect((facade as XraySegment & { annotations?: unknown }).annotations).toBeUndefined();
    const [handlerSegment, ...others] = subsegmentsOf(facade);
    expect(others).toEqual([]);
    if (!handlerSegment) throw new Error('no `## handler` subsegment');
    expect(handlerSegment.name).toBe('## index.handler');
    expect(handlerSegment.annotations).toEqual({
      ColdStart: true,
      Service: 'api',
      route: 'GET /orders/{orderId}',
      orderId,
    });
    expect(handlerSegment.isClosed()).toBe(true);
    // The DynamoDB client is captured: its call is a subsegment of the handler's.
    expect(subsegmentsOf(handlerSegment).map((s) => s.name)).toContain('DynamoDB');
    expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(/cannot annotate the main segment/i));
  });

  it('annotates ColdStart false on the next invocation, in a new subsegment', async () => {
    const { facade } = await underFacade(() => handler(anHttpEvent('GET /nowhere', { path: '/nowhere' }), context));

    const [handlerSegment] = subsegmentsOf(facade);
    if (!handlerSegment) throw new Error('no `## handler` subsegment');
    expect(handlerSegment.annotations).toMatchObject({ ColdStart: false, Service: 'api', route: 'GET /nowhere' });
    expect(handlerSegment.annotations).not.toHaveProperty('orderId');
  });

  it('gives the API the root trace id of the request (the one the records carry)', () => {
    expect(tracer.getRootXrayTraceId()).toBe(TRACE_ROOT);
  });

  it('captures the SES client too: one bounded attempt, traced as a subsegment', async () => {
    const { sesClient } = require('../../../../lambdas/adapters/ses-email-sender');
    const { SendEmailCommand } = require('@aws-sdk/client-sesv2');
    const client = sesClient();

    const { result: error, facade } = await underFacade<{ $metadata?: { attempts?: number } } | undefined>(() =>
      client
        .send(
          new SendEmailCommand({
            FromEmailAddress: 'shop@example.com',
            Destination: { ToAddresses: ['ada@example.com'] },
            Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
          }),
        )
        .then(
          () => undefined,
          (e: unknown) => e as { $metadata?: { attempts?: number } },
        ),
    );

    expect(error).toBeDefined();
    expect(error?.$metadata?.attempts ?? 1).toBe(1);
    expect(await client.config.maxAttempts()).toBe(1);
    expect(subsegmentsOf(facade).map((s) => s.name)).toEqual(['SESv2']);
  });
});
