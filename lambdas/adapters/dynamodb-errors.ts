/**
 * True for DynamoDB's ConditionalCheckFailedException. Checked by name rather than
 * `instanceof` so it holds across duplicated SDK copies in a bundle.
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
