/**
 * Orders two Kinesis sequence numbers (decimal strings of up to 128 bits, so compared as BigInt:
 * string order is wrong across lengths). A module of its own, free of dependencies, because the
 * app's replay tool orders on-failure records with it too (app code may use this library; the
 * library never imports the app).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
