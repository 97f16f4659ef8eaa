/**
 * IAM policy documents as templates carry them (the JSON grammar of identity- and resource-based policies),
 * and the normalisation the evaluator needs: AWS lets most elements be either one value or a list, and
 * `Statement` either one object or an array, so everything downstream works on arrays only.
 */

/** One value or a list of them, as the JSON grammar allows for Action, Resource, principals and conditions. */
export type OneOrMany<T> = T | readonly T[];

/** A condition value: CloudFormation templates keep booleans and numbers unquoted (`"Bool": {"aws:X": true}`). */
export type ConditionValue = string | boolean | number;

/** `{ "<Operator>": { "<context key>": value | [values] } }` */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, OneOrMany<ConditionValue>>>>>;

/** `"*"` or `{ "AWS" | "Service" | "Federated" | "CanonicalUser": value | [values] }` */
export type PrincipalElement = '*' | Readonly<Record<string, OneOrMany<string>>>;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Principal?: PrincipalElement;
  readonly NotPrincipal?: PrincipalElement;
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: OneOrMany<PolicyStatement>;
}

/** `x` -> `[x]`, `[x, y]` -> a copy, absent -> `[]`. */
export function toArray<T>(value: OneOrMany<T> | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** The statements of a document, whether `Statement` is one object or an array. */
export function statementsOf(document: PolicyDocument): readonly PolicyStatement[] {
  return toArray(document.Statement);
}

/**
 * A policy document from a template or a JSON string, checked for the shape the evaluator relies on.
 * Throws on what IAM itself would reject (no Effect, both Action and NotAction, ...): a policy that cannot be
 * read must fail loudly rather than be evaluated as something it is not.
 */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  const document = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!isObject(document) || document.Statement === undefined) {
    throw new Error('IAM policy: a document is an object with a Statement');
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  statements.forEach((statement: unknown, index: number) => {
    const where = `IAM policy statement ${index}`;
    if (!isObject(statement)) throw new Error(`${where}: not an object`);
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new Error(`${where}: Effect must be "Allow" or "Deny", got ${JSON.stringify(statement.Effect)}`);
    }
    exactlyOne(statement, 'Action', 'NotAction', where);
    atMostOne(statement, 'Resource', 'NotResource', where);
    atMostOne(statement, 'Principal', 'NotPrincipal', where);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      const element = statement[key];
      if (element !== undefined && !isStrings(element)) throw new Error(`${where}: ${key} must be a string or strings`);
    }
    if (statement.Condition !== undefined && !isObject(statement.Condition)) {
      throw new Error(`${where}: Condition must be an object`);
    }
  });
  return document as unknown as PolicyDocument;
}

function exactlyOne(statement: Record<string, unknown>, a: string, b: string, where: string): void {
  if ((statement[a] === undefined) === (statement[b] === undefined)) {
    throw new Error(`${where}: exactly one of ${a} and ${b} is required`);
  }
}

function atMostOne(statement: Record<string, unknown>, a: string, b: string, where: string): void {
  if (statement[a] !== undefined && statement[b] !== undefined) {
    throw new Error(`${where}: ${a} and ${b} cannot both be present`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}
