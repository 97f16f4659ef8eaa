/**
 * A small CloudWatch metric math evaluator: + - * / ^ and unary minus on time series and
 * scalars, parentheses, metric ids and FILL(series, value).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 * Series arithmetic runs over the union of both series' timestamps, a value missing on one side
 * counting as 0 (the doc's "Missing values in a time series are treated as 0"); a division by
 * zero drops that datapoint.
 */

/** A time series: period start (ms) → value. */
export type Series = ReadonlyMap<number, number>;

export type MathNode =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'negate'; readonly operand: MathNode }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: MathNode; readonly right: MathNode }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly MathNode[] };

type BinaryOperator = '+' | '-' | '*' | '/' | '^';

export class MetricMathError extends Error {
  public readonly name = 'MetricMathError';
}

const SUPPORTED_FUNCTIONS = ['FILL'];

export interface MathContext {
  /** The series of a metric (or expression) id. */
  series(id: string): Series;
  /** Every period start of the queried range (what FILL fills). */
  readonly periods: readonly number[];
}

/** Parses an expression; unsupported functions are rejected here, so a template fails at load. */
export function parseMetricMath(expression: string): MathNode {
  return new MathParser(expression).parse();
}

/** The metric ids an expression reads. */
export function referencedIds(node: MathNode): string[] {
  switch (node.kind) {
    case 'number':
      return [];
    case 'id':
      return [node.id];
    case 'negate':
      return referencedIds(node.operand);
    case 'binary':
      return [...new Set([...referencedIds(node.left), ...referencedIds(node.right)])];
    case 'call':
      return [...new Set(node.args.flatMap(referencedIds))];
  }
}

/** Evaluates to a time series (CloudWatch rejects an expression whose result is a scalar). */
export function evaluateMetricMath(node: MathNode, context: MathContext): Series {
  const result = evaluate(node, context);
  if (typeof result === 'number') throw new MetricMathError('a metric math expression must produce a time series');
  return result;
}

type Value = number | Series;

function evaluate(node: MathNode, context: MathContext): Value {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'id':
      return context.series(node.id);
    case 'negate':
      return combine(0, evaluate(node.operand, context), '-');
    case 'binary':
      return combine(evaluate(node.left, context), evaluate(node.right, context), node.operator);
    case 'call':
      return fill(node, context);
  }
}

function fill(node: Extract<MathNode, { kind: 'call' }>, context: MathContext): Series {
  const [seriesArg, fillerArg] = node.args;
  if (node.args.length !== 2 || seriesArg === undefined || fillerArg === undefined) {
    throw new MetricMathError('FILL takes two arguments: FILL(series, value)');
  }
  const series = evaluate(seriesArg, context);
  const filler = evaluate(fillerArg, context);
  if (typeof series === 'number') throw new MetricMathError('the first argument of FILL must be a time series');
  const filled = new Map(series);
  for (const period of context.periods) {
    if (filled.has(period)) continue;
    const value = typeof filler === 'number' ? filler : filler.get(period);
    if (value !== undefined) filled.set(period, value);
  }
  return filled;
}

function combine(left: Value, right: Value, operator: BinaryOperator): Value {
  if (typeof left === 'number' && typeof right === 'number') return apply(left, right, operator) ?? Number.NaN;
  const timestamps = new Set([...keysOf(left), ...keysOf(right)]);
  const result = new Map<number, number>();
  for (const timestamp of [...timestamps].sort((a, b) => a - b)) {
    const value = apply(valueAt(left, timestamp), valueAt(right, timestamp), operator);
    if (value !== undefined) result.set(timestamp, value);
  }
  return result;
}

function keysOf(value: Value): number[] {
  return typeof value === 'number' ? [] : [...value.keys()];
}

function valueAt(value: Value, timestamp: number): number {
  return typeof value === 'number' ? value : (value.get(timestamp) ?? 0);
}

function apply(left: number, right: number, operator: BinaryOperator): number | undefined {
  switch (operator) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return right === 0 ? undefined : left / right;
    case '^':
      return left ** right;
  }
}

type Token = { kind: 'number'; value: number } | { kind: 'name'; text: string } | { kind: 'symbol'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/^(),]))/y;
  let position = 0;
  while (expression.slice(position).trim() !== '') {
    pattern.lastIndex = position;
    const match = pattern.exec(expression);
    if (!match) throw new MetricMathError(`cannot parse '${expression}' near '${expression.slice(position).trim()}'`);
    position = pattern.lastIndex;
    const [, number, name, symbol] = match;
    if (number !== undefined) tokens.push({ kind: 'number', value: Number(number) });
    else if (name !== undefined) tokens.push({ kind: 'name', text: name });
    else tokens.push({ kind: 'symbol', text: symbol as string });
  }
  return tokens;
}

/**
 * sum := product (('+' | '-') product)*    product := unary (('*' | '/') unary)*
 * unary := '-' unary | power                power := primary ('^' unary)?
 * primary := number | id | NAME '(' args ')' | '(' sum ')'
 */
class MathParser {
  private readonly tokens: Token[];
  private position = 0;

  public constructor(private readonly expression: string) {
    this.tokens = tokenize(expression);
  }

  public parse(): MathNode {
    const node = this.parseSum();
    if (this.position < this.tokens.length) this.fail('unexpected input');
    return node;
  }

  private parseSum(): MathNode {
    let left = this.parseProduct();
    for (let op = this.symbol('+', '-'); op; op = this.symbol('+', '-')) {
      left = { kind: 'binary', operator: op, left, right: this.parseProduct() };
    }
    return left;
  }

  private parseProduct(): MathNode {
    let left = this.parseUnary();
    for (let op = this.symbol('*', '/'); op; op = this.symbol('*', '/')) {
      left = { kind: 'binary', operator: op, left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): MathNode {
    if (this.symbol('-')) return { kind: 'negate', operand: this.parseUnary() };
    const base = this.parsePrimary();
    return this.symbol('^') ? { kind: 'binary', operator: '^', left: base, right: this.parseUnary() } : base;
  }

  private parsePrimary(): MathNode {
    const token = this.tokens[this.position++];
    if (token?.kind === 'number') return { kind: 'number', value: token.value };
    if (token?.kind === 'symbol' && token.text === '(') {
      const inner = this.parseSum();
      if (!this.symbol(')')) this.fail("missing ')'");
      return inner;
    }
    if (token?.kind !== 'name') return this.fail('a number, an id or a function expected');
    if (!this.symbol('(')) {
      // Ids start with a lower-case letter; functions are upper case (as CloudWatch requires).
      if (!/^[a-z]/.test(token.text))
        this.fail(`'${token.text}' is not a metric id (ids start with a lower-case letter)`);
      return { kind: 'id', id: token.text };
    }
    if (!SUPPORTED_FUNCTIONS.includes(token.text)) {
      this.fail(`function ${token.text} is not emulated locally (supported: ${SUPPORTED_FUNCTIONS.join(', ')})`);
    }
    const args: MathNode[] = [];
    if (!this.symbol(')')) {
      do args.push(this.parseSum());
      while (this.symbol(','));
      if (!this.symbol(')')) this.fail("missing ')'");
    }
    return { kind: 'call', name: token.text, args };
  }

  /** Consumes the next token when it is one of the symbols. */
  private symbol<S extends string>(...symbols: S[]): S | undefined {
    const token = this.tokens[this.position];
    if (token?.kind !== 'symbol' || !symbols.includes(token.text as S)) return undefined;
    this.position++;
    return token.text as S;
  }

  private fail(problem: string): never {
    throw new MetricMathError(`metric math '${this.expression}': ${problem}`);
  }
}
