import { FilterPatternError, RecordFilter } from '../../../../local/esm/filter';

const record = (data: unknown) => ({ data: Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data)) });
const matches = (patterns: string[], data: unknown): boolean => new RecordFilter(patterns).matches(record(data));
const p = (pattern: unknown): string => JSON.stringify(pattern);

describe('RecordFilter (Kinesis FilterCriteria on the data key)', () => {
  test('no filter matches everything, even data that is not JSON', () => {
    expect(new RecordFilter(undefined).matches(record(Buffer.from('plain text')))).toBe(true);
  });

  test('exact values match strings, numbers, booleans and null', () => {
    const pattern = p({ data: { type: ['buy'], qty: [10], vip: [true], note: [null] } });
    expect(matches([pattern], { type: 'buy', qty: 10, vip: true, note: null })).toBe(true);
    expect(matches([pattern], { type: 'sell', qty: 10, vip: true, note: null })).toBe(false);
    expect(matches([pattern], { type: 'buy', qty: '10', vip: true, note: null })).toBe(false);
  });

  test('nested fields and arrays in the data (any element matches)', () => {
    const pattern = p({ data: { order: { tags: ['red'] } } });
    expect(matches([pattern], { order: { tags: ['blue', 'red'] } })).toBe(true);
    expect(matches([pattern], { order: { tags: ['blue'] } })).toBe(false);
    expect(matches([pattern], { order: 'red' })).toBe(false);
  });

  test('prefix, suffix and equals-ignore-case', () => {
    expect(matches([p({ data: { id: [{ prefix: 'ord-' }] } })], { id: 'ord-1' })).toBe(true);
    expect(matches([p({ data: { id: [{ prefix: 'ord-' }] } })], { id: 'x-ord-1' })).toBe(false);
    expect(matches([p({ data: { file: [{ suffix: '.png' }] } })], { file: 'a.png' })).toBe(true);
    expect(matches([p({ data: { s: [{ 'equals-ignore-case': 'PAID' }] } })], { s: 'paid' })).toBe(true);
  });

  test('numeric comparisons and ranges', () => {
    const range = p({ data: { amount: [{ numeric: ['>', 0, '<=', 100] }] } });
    expect(matches([range], { amount: 100 })).toBe(true);
    expect(matches([range], { amount: 0 })).toBe(false);
    expect(matches([range], { amount: '50' })).toBe(false);
    expect(matches([p({ data: { amount: [{ numeric: ['=', 5] }] } })], { amount: 5 })).toBe(true);
  });

  test('exists true and false', () => {
    expect(matches([p({ data: { refund: [{ exists: true }] } })], { refund: 1 })).toBe(true);
    expect(matches([p({ data: { refund: [{ exists: true }] } })], {})).toBe(false);
    expect(matches([p({ data: { refund: [{ exists: false }] } })], {})).toBe(true);
    expect(matches([p({ data: { refund: [{ exists: false }] } })], { refund: 1 })).toBe(false);
  });

  test('anything-but with a value, a list and a prefix', () => {
    expect(matches([p({ data: { t: [{ 'anything-but': 'test' }] } })], { t: 'prod' })).toBe(true);
    expect(matches([p({ data: { t: [{ 'anything-but': 'test' }] } })], { t: 'test' })).toBe(false);
    expect(matches([p({ data: { t: [{ 'anything-but': ['a', 'b'] }] } })], { t: 'b' })).toBe(false);
    expect(matches([p({ data: { t: [{ 'anything-but': { prefix: 'tmp-' } }] } })], { t: 'tmp-1' })).toBe(false);
    expect(matches([p({ data: { t: [{ 'anything-but': { prefix: 'tmp-' } }] } })], { t: 'keep' })).toBe(true);
  });

  test('filters are OR-ed, keys within a filter are AND-ed', () => {
    const filters = [p({ data: { type: ['a'], n: [1] } }), p({ data: { type: ['b'] } })];
    expect(matches(filters, { type: 'a', n: 1 })).toBe(true);
    expect(matches(filters, { type: 'a', n: 2 })).toBe(false);
    expect(matches(filters, { type: 'b' })).toBe(true);
  });

  test('data that is not JSON never matches a data pattern', () => {
    expect(matches([p({ data: { type: [{ exists: false }] } })], Buffer.from('not json'))).toBe(false);
  });

  test('patterns on keys other than data, unsupported rules and invalid JSON are rejected', () => {
    expect(() => new RecordFilter([p({ partitionKey: ['x'] })])).toThrow(FilterPatternError);
    expect(() => new RecordFilter([p({ data: { a: [{ wildcard: '*x' }] } })])).toThrow(FilterPatternError);
    expect(() => new RecordFilter(['{not json'])).toThrow(FilterPatternError);
    expect(() => new RecordFilter([p({ data: { a: 'x' } })])).toThrow(FilterPatternError);
  });
});
