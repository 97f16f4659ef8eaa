import type { InvocationResult } from './types';

/**
 * How a batch invocation ended, from the event-source mapping's point of view.
 * - success: checkpoint after the whole batch;
 * - partial: ReportBatchItemFailures reported records; `firstFailedIndex` is the position of the
 *   LOWEST reported sequence number ("Lambda uses the record with the lowest sequence number as the
 *   checkpoint", services-kinesis-batchfailurereporting);
 * - failure: the whole batch failed (function error, or a response Lambda treats as a complete failure).
 */
export type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly firstFailedIndex: number }
  | { readonly kind: 'failure'; readonly reason: string };

export function interpretResult(
  result: InvocationResult,
  batchSequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  if (result.kind === 'error') {
    return { kind: 'failure', reason: `${result.errorType}: ${result.errorMessage}` };
  }
  // "Even when your function code returns partial batch failure responses, these responses will
  // not be processed by Lambda unless the ReportBatchItemFailures feature is explicitly turned on."
  if (!reportBatchItemFailures) return { kind: 'success' };
  return interpretBatchItemFailures(result.payload, batchSequenceNumbers);
}

/**
 * Success and failure conditions (services-kinesis-batchfailurereporting):
 * complete success for an empty or null batchItemFailures list and an empty or null response;
 * complete failure for an empty-string or null itemIdentifier or an itemIdentifier with a bad key
 * name. Locally, anything else that is not `{ batchItemFailures: [{ itemIdentifier }] }` with
 * identifiers from this batch is also a complete failure.
 */
export function interpretBatchItemFailures(payload: unknown, batchSequenceNumbers: readonly string[]): BatchOutcome {
  const malformed = (reason: string): BatchOutcome => ({
    kind: 'failure',
    reason: `malformed batch response: ${reason}`,
  });
  if (payload === undefined || payload === null) return { kind: 'success' };
  if (typeof payload !== 'object' || Array.isArray(payload)) return malformed('not an object');
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return malformed('batchItemFailures is not a list');
  if (failures.length === 0) return { kind: 'success' };
  let lowest = -1;
  for (const item of failures) {
    if (typeof item !== 'object' || item === null) return malformed('batchItemFailures entry is not an object');
    const id = (item as { itemIdentifier?: unknown }).itemIdentifier;
    if (typeof id !== 'string' || id === '') return malformed('itemIdentifier missing, null or empty');
    const index = batchSequenceNumbers.indexOf(id);
    if (index < 0) return malformed(`itemIdentifier ${id} is not in the batch`);
    if (lowest < 0 || index < lowest) lowest = index;
  }
  return { kind: 'partial', firstFailedIndex: lowest };
}
