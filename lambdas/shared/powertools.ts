import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One configured instance of each Powertools utility per function. The service name
 * comes from POWERTOOLS_SERVICE_NAME (set per function by the CDK construct), the
 * metrics namespace from POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'orderstream' });
