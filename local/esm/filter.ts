/**
 * FilterCriteria for Kinesis event sources (with-kinesis-filtering, invocation-eventfiltering).
 *
 * "Kinesis event source mappings only support filtering on the data key": a pattern is matched
 * against `{ data: <record data parsed as JSON> }`, and a pattern with any other top-level key is
 * rejected at start-up (FilterPatternError) rather than silently behaving differently from AWS.
 * Data that is not valid JSON never matches a pattern (the record is dropped). Several filters
 * are OR-ed ("If a record ... satisfies one or more of your filters, Lambda includes the record");
 * keys inside a pattern are AND-ed. Records that match no filter are discarded and checkpointed.
 *
 * Supported rules: exact values (string, number, boolean, null), { prefix }, { suffix },
 * { "equals-ignore-case" }, { numeric: [op, n, (op, n)] } with = < <= > >=, { exists: bool },
 * { "anything-but": value | [values] | { prefix } }. Arrays in the data match when any element
 * matches. Other rule shapes (wildcard, cidr, $or) are rejected at start-up.
 */

export class FilterPatternError extends Error {
  public readonly name = 'FilterPatternError';
}

export interface FilterableRecord {
  readonly data: Buffer;
}

type Pattern = { readonly [key: string]: Pattern | readonly unknown[] };

const NOT_JSON = Symbol('not-json');

export class RecordFilter {
  private readonly patterns: readonly Pattern[];

  public constructor(patternStrings: readonly string[] | undefined) {
    this.patterns = (patternStrings ?? []).map(parsePattern);
  }

  public get active(): boolean {
    return this.patterns.length > 0;
  }

  public matches(record: FilterableRecord): boolean {
    if (this.patterns.length === 0) return true;
    let data: unknown;
    try {
      data = JSON.parse(record.data.toString('utf8'));
    } catch {
      data = NOT_JSON;
    }
    const subject = { data };
    return this.patterns.some((pattern) => matchObject(pattern, subject));
  }
}

function parsePattern(text: string): Pattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FilterPatternError(`filter pattern is not JSON: ${text}`);
  }
  if (!isPlainObject(parsed)) throw new FilterPatternError(`filter pattern must be a JSON object: ${text}`);
  const other = Object.keys(parsed).filter((key) => key !== 'data');
  if (other.length > 0) {
    throw new FilterPatternError(
      `Kinesis event source mappings only support filtering on the data key (found ${other.join(', ')}): ${text}`,
    );
  }
  validate(parsed as Pattern, text);
  return parsed as Pattern;
}

function validate(pattern: Pattern, text: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    if (key.startsWith('$')) throw new FilterPatternError(`unsupported filter operator ${key} in ${text}`);
    if (Array.isArray(value)) {
      for (const rule of value) {
        if (isPlainObject(rule)) {
          const ruleKeys = Object.keys(rule);
          const ruleKey = ruleKeys.length === 1 ? ruleKeys[0] : undefined;
          const supported = ['prefix', 'suffix', 'equals-ignore-case', 'numeric', 'exists', 'anything-but'];
          if (ruleKey === undefined || !supported.includes(ruleKey)) {
            throw new FilterPatternError(`unsupported filter rule ${JSON.stringify(rule)} in ${text}`);
          }
        }
      }
    } else if (isPlainObject(value)) {
      validate(value as Pattern, text);
    } else {
      throw new FilterPatternError(`filter values must be arrays or objects (key ${key}) in ${text}`);
    }
  }
}

function matchObject(pattern: Pattern, subject: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (subject === NOT_JSON) return false;
    const present = isPlainObject(subject) && Object.hasOwn(subject, key);
    const value = present ? (subject as Record<string, unknown>)[key] : undefined;
    if (value === NOT_JSON) return false;
    if (Array.isArray(rule)) return matchRules(rule, present, value);
    // nested object pattern: the value must be an object (or an array of objects, any matching)
    if (Array.isArray(value)) return value.some((item) => matchObject(rule as Pattern, item));
    return present && isPlainObject(value) && matchObject(rule as Pattern, value);
  });
}

function matchRules(rules: readonly unknown[], present: boolean, value: unknown): boolean {
  return rules.some((rule) => {
    if (isPlainObject(rule) && 'exists' in rule) {
      return (rule as { exists: unknown }).exists === true ? present && value !== null : !present;
    }
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchRule(rule, v));
  });
}

function matchRule(rule: unknown, value: unknown): boolean {
  if (!isPlainObject(rule)) return rule === value;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
  if ('equals-ignore-case' in r) {
    return typeof value === 'string' && value.toLowerCase() === String(r['equals-ignore-case']).toLowerCase();
  }
  if ('numeric' in r) return typeof value === 'number' && matchNumeric(r.numeric, value);
  if ('anything-but' in r) return matchAnythingBut(r['anything-but'], value);
  return false;
}

function matchNumeric(spec: unknown, value: number): boolean {
  if (!Array.isArray(spec) || spec.length % 2 !== 0) return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = Number(spec[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

function matchAnythingBut(spec: unknown, value: unknown): boolean {
  if (isPlainObject(spec) && 'prefix' in (spec as object)) {
    return typeof value === 'string' && !value.startsWith(String((spec as { prefix: unknown }).prefix));
  }
  const excluded = Array.isArray(spec) ? spec : [spec];
  return !excluded.includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
