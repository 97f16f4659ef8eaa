import type { MappingConfig } from './esm/types';
import type { LocalTemplate } from './template';

/**
 * MappingConfig of every AWS::Lambda::EventSourceMapping in the template (Kinesis sources),
 * with Lambda's documented defaults for absent properties (services-kinesis-parameters):
 * BatchSize 100, MaximumBatchingWindowInSeconds 0, ParallelizationFactor 1,
 * BisectBatchOnFunctionError false, MaximumRetryAttempts -1 and MaximumRecordAgeInSeconds -1
 * (infinite), Enabled true. Call after provisioning: consumer ARNs come from kinesis-mock.
 */
export function mappingConfigs(template: LocalTemplate): MappingConfig[] {
  const mappings: MappingConfig[] = [];
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
    const props = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const sourceArn = String(props.EventSourceArn ?? '');
    if (!sourceArn.startsWith('arn:aws:kinesis:')) {
      console.warn(`[local] mapping ${logicalId}: event source ${sourceArn} is not a Kinesis stream; skipped`);
      continue;
    }
    const consumerAt = sourceArn.indexOf('/consumer/');
    if (consumerAt < 0) {
      // The engine reads through enhanced fan-out only; a shared-throughput mapping is not emulated.
      throw new Error(`mapping ${logicalId}: EventSourceArn must be a stream consumer (enhanced fan-out) locally; got ${sourceArn}`);
    }
    const startingPosition = String(props.StartingPosition ?? 'LATEST') as MappingConfig['startingPosition'];
    const timestamp = props.StartingPositionTimestamp;
    const filters = (props.FilterCriteria as { Filters?: Array<{ Pattern?: string }> } | undefined)?.Filters;
    const destination = (props.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
    mappings.push({
      id: logicalId,
      functionName: String(props.FunctionName),
      streamArn: sourceArn.slice(0, consumerAt),
      consumerArn: sourceArn,
      batchSize: num(props.BatchSize, 100),
      maximumBatchingWindowInSeconds: num(props.MaximumBatchingWindowInSeconds, 0),
      startingPosition,
      startingPositionTimestamp: timestamp !== undefined ? new Date(Number(timestamp) * 1000) : undefined,
      parallelizationFactor: num(props.ParallelizationFactor, 1),
      bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true || props.BisectBatchOnFunctionError === 'true',
      reportBatchItemFailures: Array.isArray(props.FunctionResponseTypes) && props.FunctionResponseTypes.includes('ReportBatchItemFailures'),
      maximumRetryAttempts: num(props.MaximumRetryAttempts, -1),
      maximumRecordAgeInSeconds: num(props.MaximumRecordAgeInSeconds, -1),
      onFailureDestination: destination,
      filterPatterns: filters?.map((filter) => String(filter.Pattern)).filter(Boolean),
      enabled: props.Enabled === undefined ? true : props.Enabled === true || props.Enabled === 'true',
    });
  }
  return mappings;
}

const num = (value: unknown, fallback: number): number => (value === undefined || value === null ? fallback : Number(value));
