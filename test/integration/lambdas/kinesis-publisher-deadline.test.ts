import { eventPublisherFromEnv, type KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { PublishError } from '../../../lambdas/ports/event-publisher';
import { createKinesisClient } from '../../../lambdas/runtime/aws-clients';
import { createActiveStream, ofOrder, pointSdkAtEmulators, readEnvelopes } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { aClosedEndpoint, type FaultyProxy, startFaultyProxy } from '../../helpers/faulty-endpoints';
import { anEnvelope } from '../../helpers/kinesis-events';

const STREAM = 'orderstream-deadline-test';

/**
 * The publisher as the functions build it (eventPublisherFromEnv: the functions' Kinesis client
 * config with one SDK attempt, the deadline from PUBLISH_DEADLINE_MS) against the real kinesis-mock, with the
 * way back broken in front of it: it gives up by its deadline, says truthfully whether the put
 * may have been accepted, and makes exactly one HTTP call per attempt (no SDK retries inside).
 */
describe('KinesisEventPublisher deadline against kinesis-mock', () => {
  const fixture = useEmulators();
  let proxies: FaultyProxy[] = [];
  let restoreEnv: () => void = () => undefined;

  beforeAll(async () => {
    await createActiveStream(fixture().kinesis, STREAM);
  });

  afterEach(async () => {
    restoreEnv();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    proxies = [];
  });

  /** The functions' publisher (their client config, PUBLISH_DEADLINE_MS) pointed at `endpoint`. */
  function publisherAt(endpoint: string, deadlineMs: number): KinesisEventPublisher {
    restoreEnv = pointSdkAtEmulators(fixture().emulators);
    return eventPublisherFromEnv({
      client: createKinesisClient(endpoint),
      env: { STREAM_NAME: STREAM, PUBLISH_DEADLINE_MS: String(deadlineMs) },
    });
  }

  async function failureOf(publish: Promise<void>): Promise<{ error: PublishError; elapsedMs: number }> {
    const started = Date.now();
    const error = await publish.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PublishError);
    return { error: error as PublishError, elapsedMs: Date.now() - started };
  }

  it('puts records through the shared client when nothing is broken', async () => {
    const event = anEnvelope();
    await publisherAt(fixture().emulators.kinesisEndpoint, 3_000).publish([event]);
    expect(await readEnvelopes(fixture().kinesis, STREAM, ofOrder(event.orderId))).toHaveLength(1);
  });

  it('aborts at the deadline when the answer never comes, and says the put may have been accepted (it was)', async () => {
    // Prepare
    const proxy = await startFaultyProxy(fixture().emulators.kinesisEndpoint, 'swallow-responses');
    proxies.push(proxy);
    const event = anEnvelope();

    // Act
    const { error, elapsedMs } = await failureOf(publisherAt(proxy.url, 800).publish([event]));

    // Assess
    expect(error.mayHaveBeenAccepted).toBe(true);
    expect(error.errorCodes).toEqual(['AbortError']);
    expect(elapsedMs).toBeGreaterThanOrEqual(750);
    expect(elapsedMs).toBeLessThan(1_500);
    expect(proxy.requests()).toBe(1);
    const stored = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(event.orderId));
    expect(stored.map((record) => record.envelope.eventId)).toEqual([event.eventId]);
  });

  it('retries a connection lost after sending until the deadline, one HTTP call per attempt, and says may-have', async () => {
    // Prepare
    const proxy = await startFaultyProxy(fixture().emulators.kinesisEndpoint, 'reset-after-forwarding');
    proxies.push(proxy);
    const event = anEnvelope();

    // Act
    const { error, elapsedMs } = await failureOf(publisherAt(proxy.url, 1_000).publish([event]));

    // Assess: each attempt reached the stream; all copies are the same event (consumers dedupe)
    expect(error.mayHaveBeenAccepted).toBe(true);
    expect(elapsedMs).toBeLessThan(1_500);
    const attempts = Number(/after (\d+) attempt/.exec(error.message)?.[1]);
    expect(attempts).toBeGreaterThan(1);
    expect(proxy.requests()).toBe(attempts);
    const stored = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(event.orderId));
    expect(stored.length).toBe(attempts);
    expect(new Set(stored.map((record) => record.envelope.eventId))).toEqual(new Set([event.eventId]));
  });

  it('gives up by the deadline when the endpoint refuses connections, and says nothing was accepted', async () => {
    // Act
    const { error, elapsedMs } = await failureOf(publisherAt(await aClosedEndpoint(), 600).publish([anEnvelope()]));

    // Assess
    expect(error.mayHaveBeenAccepted).toBe(false);
    expect(error.errorCodes).toEqual(['ECONNREFUSED']);
    expect(elapsedMs).toBeLessThan(900);
  });
});
