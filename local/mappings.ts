import { KINESIS_MAPPING_DEFAULTS as DEFAULTS, type MappingConfig } from './esm/types';
import type { LocalTemplate } from './template';

/**
 * MappingConfig of every AWS::Lambda::EventSourceMapping in the template (Kinesis sources),
 * with Lambda's documented defaults (KINESIS_MAPPING_DEFAULTS) for absent properties.
 * Call after provisioning: consumer ARNs come from kinesis-mock.
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
      throw new Error(
        `mapping ${logicalId}: EventSourceArn must be a stream consumer (enhanced fan-out) locally; got ${sourceArn}`,
      );
    }
    const startingPosition = String(props.StartingPosition ?? 'LATEST') as MappingConfig['startingPosition'];
    const timestamp = props.StartingPositionTimestamp;
    const filters = (props.FilterCriteria as { Filters?: Array<{ Pattern?: string }> } | undefined)?.Filters;
    const destination = (props.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure
      ?.Destination;
    mappings.push({
      id: logicalId,
      functionName: String(props.FunctionName),
      streamArn: sourceArn.slice(0, consumerAt),
      consumerArn: sourceArn,
      batchSize: num(props.BatchSize, DEFAULTS.batchSize),
      maximumBatchingWindowInSeconds: num(
        props.MaximumBatchingWindowInSeconds,
        DEFAULTS.maximumBatchingWindowInSeconds,
      ),
      startingPosition,
      startingPositionTimestamp: timestamp !== undefined ? new Date(Number(timestamp) * 1000) : undefined,
      parallelizationFactor: num(props.ParallelizationFactor, DEFAULTS.parallelizationFactor),
      bisectBatchOnFunctionError:
        props.BisectBatchOnFunctionError === true || props.BisectBatchOnFunctionError === 'true',
      reportBatchItemFailures:
        Array.isArray(props.FunctionResponseTypes) && props.FunctionResponseTypes.includes('ReportBatchItemFailures'),
      maximumRetryAttempts: num(props.MaximumRetryAttempts, DEFAULTS.maximumRetryAttempts),
      maximumRecordAgeInSeconds: num(props.MaximumRecordAgeInSeconds, DEFAULTS.maximumRecordAgeInSeconds),
      onFailureDestination: destination,
      filterPatterns: filters?.map((filter) => String(filter.Pattern)).filter(Boolean),
      enabled: props.Enabled === undefined ? DEFAULTS.enabled : props.Enabled === true || props.Enabled === 'true',
    });
  }
  return mappings;
}

const num = (value: unknown, fallback: number): number =>
  value === undefined || value === null ? fallback : Number(value);
