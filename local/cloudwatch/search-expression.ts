import type { MetricIdentity } from './metric-store';

/**
 * CloudWatch metric search expressions:
 *   SEARCH(' {Namespace, DimensionName, ...} SearchTerm ', 'Statistic', Period)
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 * Covered: the metric schema (a metric matches when it is in that namespace and has EXACTLY
 * those dimension names), exact terms ("X"), property terms (MetricName="X", Namespace=X,
 * <DimensionName>="X"), partial terms matched on tokens, AND / OR / NOT and parentheses
 * (no operator = AND). Partial matches are case-insensitive on every token (CloudWatch is
 * case-sensitive on composite tokens).
 */

export interface SearchCall {
  readonly query: string;
  readonly stat: string;
  readonly periodSeconds: number;
}

export class SearchExpressionError extends Error {
  public readonly name = 'SearchExpressionError';
}

const SEARCH_CALL = /^\s*SEARCH\(\s*'((?:[^'\\]|\\.)*)'\s*,\s*'([^']+)'\s*,\s*(\d+)\s*\)\s*$/;

/** Parses `SEARCH('query', 'Stat', Period)`; undefined when the text is not a SEARCH call. */
export function parseSearchCall(expression: string): SearchCall | undefined {
  const match = SEARCH_CALL.exec(expression);
  if (!match) return undefined;
  return { query: match[1] as string, stat: match[2] as string, periodSeconds: Number(match[3]) };
}

export interface MetricQuery {
  readonly schema?: { readonly namespace: string; readonly dimensionNames: readonly string[] };
  matches(identity: MetricIdentity): boolean;
}

type Term =
  | { kind: 'term'; property?: string; text: string; exact: boolean }
  | { kind: 'and' | 'or'; left: Term; right: Term }
  | { kind: 'not'; operand: Term };

/** Compiles the query part of a SEARCH expression into a matcher over metric identities. */
export function compileMetricQuery(query: string): MetricQuery {
  let rest = query.trim();
  let schema: MetricQuery['schema'];
  if (rest.startsWith('{')) {
    const end = rest.indexOf('}');
    if (end < 0) throw new SearchExpressionError(`metric schema without '}' in '${query}'`);
    const [namespace, ...dimensionNames] = rest
      .slice(1, end)
      .split(',')
      .map((part) => unquote(part.trim()));
    if (!namespace) throw new SearchExpressionError(`metric schema without a namespace in '${query}'`);
    schema = { namespace, dimensionNames };
    rest = rest.slice(end + 1).replace(/^\s*,/, '');
  }
  const tokens = tokenizeQuery(rest);
  const term = tokens.length > 0 ? new TermParser(tokens, query).parse() : undefined;
  return {
    schema,
    matches: (identity) => inSchema(identity, schema) && (term === undefined || termMatches(term, identity)),
  };
}

function inSchema(identity: MetricIdentity, schema: MetricQuery['schema']): boolean {
  if (!schema) return true;
  const names = Object.keys(identity.dimensions);
  return (
    identity.namespace === schema.namespace &&
    names.length === schema.dimensionNames.length &&
    schema.dimensionNames.every((name) => name in identity.dimensions)
  );
}

function termMatches(term: Term, identity: MetricIdentity): boolean {
  switch (term.kind) {
    case 'and':
      return termMatches(term.left, identity) && termMatches(term.right, identity);
    case 'or':
      return termMatches(term.left, identity) || termMatches(term.right, identity);
    case 'not':
      return !termMatches(term.operand, identity);
    case 'term': {
      const candidates = candidateStrings(identity, term.property);
      return candidates.some((candidate) =>
        term.exact ? candidate === term.text : partialMatch(term.text, candidate),
      );
    }
  }
}

/** The strings a term is compared with: one property, or every name and value of the metric. */
function candidateStrings(identity: MetricIdentity, property: string | undefined): string[] {
  if (property === 'MetricName') return [identity.metricName];
  if (property === 'Namespace') return [identity.namespace];
  if (property !== undefined) {
    const value = identity.dimensions[property];
    return value === undefined ? [] : [value];
  }
  return [identity.metricName, identity.namespace, ...Object.entries(identity.dimensions).flat()];
}

/**
 * A partial term matches when its tokens, run together, equal a run of consecutive tokens of
 * the candidate: `count`, `CustomCount` and `customcount1` all find `CustomCount1`.
 */
function partialMatch(term: string, candidate: string): boolean {
  const wanted = searchTokens(term).join('');
  const available = searchTokens(candidate);
  if (wanted === '') return false;
  for (let start = 0; start < available.length; start++) {
    let run = '';
    for (let end = start; end < available.length && run.length < wanted.length; end++) run += available[end];
    if (run === wanted) return true;
  }
  return false;
}

/** CloudWatch's tokens: split at camel case, digits and non-alphanumerics, lower-cased. */
function searchTokens(text: string): string[] {
  return (text.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? []).map((token) => token.toLowerCase());
}

type QueryToken =
  | { kind: 'word'; property?: string; text: string; quoted: boolean }
  | { kind: '(' | ')' | 'AND' | 'OR' | 'NOT' };

function tokenizeQuery(text: string): QueryToken[] {
  const tokens: QueryToken[] = [];
  const pattern = /\s*(?:(\()|(\))|(?:([A-Za-z0-9_./:-]+)=)?(?:"((?:[^"\\]|\\.)*)"|([^\s()"]+)))/y;
  let position = 0;
  while (text.slice(position).trim() !== '') {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (!match || pattern.lastIndex === position) {
      throw new SearchExpressionError(`cannot parse search term near '${text.slice(position).trim()}'`);
    }
    position = pattern.lastIndex;
    const [, open, close, property, quotedText, bareText] = match;
    if (open) tokens.push({ kind: '(' });
    else if (close) tokens.push({ kind: ')' });
    else if (quotedText !== undefined)
      tokens.push({ kind: 'word', property, text: quotedText.replace(/\\(.)/g, '$1'), quoted: true });
    else if (!property && (bareText === 'AND' || bareText === 'OR' || bareText === 'NOT'))
      tokens.push({ kind: bareText });
    else tokens.push({ kind: 'word', property, text: bareText as string, quoted: false });
  }
  return tokens;
}

/** or := and ('OR' and)* ; and := unary (['AND'] unary)* ; unary := 'NOT' unary | '(' or ')' | word */
class TermParser {
  private position = 0;

  public constructor(
    private readonly tokens: readonly QueryToken[],
    private readonly query: string,
  ) {}

  public parse(): Term {
    const term = this.parseOr();
    if (this.position < this.tokens.length) throw new SearchExpressionError(`unexpected token in '${this.query}'`);
    return term;
  }

  private parseOr(): Term {
    let left = this.parseAnd();
    while (this.peek()?.kind === 'OR') {
      this.position++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Term {
    let left = this.parseUnary();
    for (let next = this.peek(); next && next.kind !== 'OR' && next.kind !== ')'; next = this.peek()) {
      if (next.kind === 'AND') this.position++;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Term {
    const token = this.tokens[this.position++];
    if (token?.kind === 'NOT') return { kind: 'not', operand: this.parseUnary() };
    if (token?.kind === '(') {
      const inner = this.parseOr();
      if (this.tokens[this.position++]?.kind !== ')') throw new SearchExpressionError(`missing ')' in '${this.query}'`);
      return inner;
    }
    if (token?.kind !== 'word') throw new SearchExpressionError(`search term expected in '${this.query}'`);
    return { kind: 'term', property: token.property, text: token.text, exact: token.quoted };
  }

  private peek(): QueryToken | undefined {
    return this.tokens[this.position];
  }
}

function unquote(text: string): string {
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}
