import {
  evaluateMetricMath,
  parseMetricMath,
  referencedIds,
  type Series,
} from '../../../../local/cloudwatch/metric-math';

const periods = [0, 60, 120, 180];
const failed: Series = new Map([
  [0, 2],
  [60, 1],
]);
const poison: Series = new Map([
  [60, 3],
  [120, 4],
]);

function run(expression: string): Array<[number, number]> {
  const series = (id: string): Series => ({ failed, poison, zero: new Map([[60, 0]]) })[id] ?? new Map();
  return [...evaluateMetricMath(parseMetricMath(expression), { series, periods }).entries()];
}

describe('metric math', () => {
  it('adds series over the union of their timestamps, a missing value counting as 0', () => {
    expect(run('failed + poison')).toEqual([
      [0, 2],
      [60, 4],
      [120, 4],
    ]);
  });

  it('follows operator precedence, parentheses, unary minus and scalars', () => {
    expect(run('failed * 2 + 1')).toEqual([
      [0, 5],
      [60, 3],
    ]);
    expect(run('(failed + 1) * 2')).toEqual([
      [0, 6],
      [60, 4],
    ]);
    expect(run('-failed - 1')).toEqual([
      [0, -3],
      [60, -2],
    ]);
    expect(run('failed ^ 2 / 2')).toEqual([
      [0, 2],
      [60, 0.5],
    ]);
  });

  it('drops a datapoint divided by zero (a missing divisor counts as 0 too)', () => {
    expect(run('failed / zero')).toEqual([]);
    expect(run('poison / failed')).toEqual([
      [0, 0],
      [60, 3],
    ]);
  });

  it('FILL gives every period of the range a value', () => {
    expect(run('FILL(failed, 0)')).toEqual([
      [0, 2],
      [60, 1],
      [120, 0],
      [180, 0],
    ]);
    expect(run('FILL(failed, poison)')).toEqual([
      [0, 2],
      [60, 1],
      [120, 4],
    ]);
  });

  it('lists the ids an expression reads', () => {
    expect(referencedIds(parseMetricMath('FILL(failed, 0) + poison + failed'))).toEqual(['failed', 'poison']);
  });

  it('names an unsupported function, and rejects syntax errors and scalar results', () => {
    expect(() => parseMetricMath('RATE(failed)')).toThrow(/function RATE is not emulated locally \(supported: FILL\)/);
    expect(() => parseMetricMath('failed +')).toThrow(/failed \+/);
    expect(() => parseMetricMath('Failed + 1')).toThrow(/not a metric id/);
    expect(() => parseMetricMath('failed $ 2')).toThrow(/cannot parse/);
    expect(() => run('1 + 2')).toThrow(/must produce a time series/);
  });
});
