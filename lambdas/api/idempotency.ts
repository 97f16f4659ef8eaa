import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { IdempotentRunner, PlacedOrder, ScopedIdempotencyKey } from './order-api';
import type { PlaceOrderRequest } from './schemas';

export interface PowertoolsIdempotencyOptions {
  readonly tableName: string;
  readonly client: DynamoDBClient;
  /** How long a key is remembered. @default 24 h */
  readonly expiresAfterSeconds?: number;
}

/**
 * The Idempotency-Key of POST /orders on Powertools idempotency (DynamoDB persistence on
 * IDEMPOTENCY_TABLE, pk `id`, TTL `expiration`): the record is keyed on the caller's scope and
 * the header value (so callers never share a key) and validated against a hash of the
 * validated request, so
 * - same key, same request  -> the stored result (same orderId), nothing published again;
 * - same key, other request -> IdempotencyValidationError (mapped to 422);
 * - same key while the first is still running -> IdempotencyAlreadyInProgressError (409);
 * - a failed attempt (e.g. PublishError) deletes the record, so the client may retry.
 * `registerContext` must be called per invocation so an in-progress record expires
 * with the invocation (a crashed attempt does not block its key for the whole TTL).
 */
export function powertoolsIdempotency(options: PowertoolsIdempotencyOptions): {
  run: IdempotentRunner;
  registerContext(context: Context): void;
} {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[caller, idempotencyKey]',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 60 * 60,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const once = makeIdempotent(
    async (_data: ScopedIdempotencyKey & { request: PlaceOrderRequest }, work: () => Promise<PlacedOrder>) => work(),
    { persistenceStore, config, keyPrefix: 'api#POST/orders', dataIndexArgument: 0 },
  );
  return {
    run: ({ caller, idempotencyKey }, request, work) => once({ caller, idempotencyKey, request }, work),
    registerContext: (context) => config.registerLambdaContext(context),
  };
}
