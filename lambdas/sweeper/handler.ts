import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { DynamoDbSagaDeadlines } from '../adapters/dynamodb-saga-repository';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger, metrics } from '../runtime/powertools';
import { SagaSweeper } from './saga-sweeper';

const sweeper = new SagaSweeper(
  new DynamoDbSagaDeadlines(documentClient(), tableName('saga')),
  eventPublisherFromEnv(),
  logger,
);

/** Runs on the stack's EventBridge schedule (rate(1 minute)); the event carries nothing it needs. */
export const handler = async (event: ScheduledEvent): Promise<{ due: number }> => {
  logger.appendKeys({ scheduledAt: event.time });
  try {
    const due = await sweeper.sweep(new Date().toISOString());
    metrics.addMetric('SagasPastDeadline', MetricUnit.Count, due);
    return { due };
  } finally {
    logger.removeKeys(['scheduledAt']);
    metrics.publishStoredMetrics();
  }
};
