/**
 * Server-side AWS Signature Version 4 verification for the local runtime.
 *
 * The local HTTP API (IAM routes) and the proxy in front of DynamoDB Local / kinesis-mock both need to know who
 * signed a request, and must refuse what AWS would refuse, with AWS's own words, so that a function that works
 * locally is not relying on an unsigned or mis-signed call that would fail in the cloud. Only header-based
 * AWS4-HMAC-SHA256 is supported (no presigned query strings, no SigV4a, no chunked streaming payloads).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface LocalCredential {
  /** A label for logs, e.g. the function's logical id. */
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The IAM role (or user) ARN the key stands for. */
  readonly principalArn: string;
}

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received on the wire (`req.url`), still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type SigV4Failure = 'MISSING' | 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'STALE' | 'WRONG_SCOPE';

export type SigV4Result =
  | {
      readonly ok: true;
      readonly credential: LocalCredential;
      readonly region: string;
      readonly service: string;
      /**
       * 'aws': the signature covers the canonical URI and query AWS computes.
       * 'as-sent': it only matches over the raw path and query as sent (what curl before 8.x signs); AWS itself
       * would refuse such a request whenever the two differ, so callers may want to log a warning.
       */
      readonly canonicalForm: 'aws' | 'as-sent';
    }
  | { readonly ok: false; readonly failure: SigV4Failure; readonly message: string };

export type SigV4Rejection = Extract<SigV4Result, { ok: false }>;

export interface VerifySigV4Options {
  /** The signing name the credential scope must carry: 'execute-api', 'dynamodb', 'kinesis'. */
  readonly service: string;
  /** When given, the credential scope's region must equal it. */
  readonly region?: string;
  readonly credentials: (accessKeyId: string) => LocalCredential | undefined;
  /** @default new Date() */
  readonly now?: Date;
  /** @default 15 minutes, AWS's window in both directions */
  readonly maxSkewMs?: number;
  /**
   * Also accept a signature computed over the raw path and query (curl 7.x `--aws-sigv4`).
   * @default true
   */
  readonly acceptAsSentCanonicalForm?: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const DEFAULT_SKEW_MS = 15 * 60 * 1000;
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

export const MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const UNKNOWN_KEY_MESSAGE = 'The security token included in the request is invalid.';

export function verifySigV4(request: SignedRequest, options: VerifySigV4Options): SigV4Result {
  const authorization = headerText(request.headers.authorization);
  const queryAuth = /(?:^|&)X-Amz-Algorithm=/.test(splitUrl(request.url).query);
  // dynalite/kinesalite (built against live AWS) treat a non-AWS4 Authorization like none at all.
  if (authorization === undefined || !authorization.trim().startsWith('AWS4-')) {
    if (queryAuth) {
      return fail('MALFORMED', 'Query-string (presigned) SigV4 authentication is not supported locally.');
    }
    return fail('MISSING', 'Missing Authentication Token');
  }
  if (queryAuth) {
    return fail(
      'BAD_SIGNATURE',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }

  const parsed = parseAuthorization(authorization);
  const amzDate = headerText(request.headers['x-amz-date']);
  const httpDate = headerText(request.headers.date);
  let incomplete = '';
  for (const param of ['Credential', 'Signature', 'SignedHeaders'] as const) {
    if (!parsed.params[param]) incomplete += `Authorization header requires '${param}' parameter. `;
  }
  if (amzDate === undefined && httpDate === undefined) {
    incomplete += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (incomplete) return fail('MALFORMED', `${incomplete}Authorization=${authorization}`);

  const requestDate = parseRequestDate(amzDate, httpDate);
  if (requestDate === undefined) {
    return fail(
      'MALFORMED',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate ?? httpDate}'. ` +
        'See http://en.wikipedia.org/wiki/ISO_8601',
    );
  }
  const stale = checkSkew(requestDate, options.now ?? new Date(), options.maxSkewMs ?? DEFAULT_SKEW_MS);
  if (stale) return fail('STALE', stale);

  const signedHeaders = (parsed.params.SignedHeaders ?? '').split(';').map((name) => name.trim().toLowerCase());
  if (!signedHeaders.includes('host')) {
    return fail('BAD_SIGNATURE', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (parsed.algorithm !== ALGORITHM) {
    return fail('MALFORMED', `Unsupported AWS 'algorithm': '${parsed.algorithm}' (only ${ALGORITHM} for now). `);
  }

  const credential = (parsed.params.Credential ?? '').replace(/\/+$/, '');
  const parts = credential.split('/');
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator] = parts;
  if (
    parts.length !== 5 ||
    accessKeyId === undefined ||
    scopeDate === undefined ||
    scopeRegion === undefined ||
    scopeService === undefined ||
    scopeTerminator === undefined
  ) {
    return fail(
      'MALFORMED',
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,' +
        ` got '${credential}'`,
    );
  }

  const scopeErrors: string[] = [];
  if (options.region !== undefined && scopeRegion !== options.region) {
    scopeErrors.push(`Credential should be scoped to a valid region, not '${scopeRegion}'.`);
  }
  if (scopeService !== options.service) {
    scopeErrors.push(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (scopeTerminator !== TERMINATOR) {
    scopeErrors.push(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${scopeTerminator}'.`);
  }
  if (scopeDate !== requestDate.iso.slice(0, 8)) {
    scopeErrors.push(
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
        `'${scopeDate}' != '${requestDate.iso.slice(0, 8)}', from '${requestDate.iso}'.`,
    );
  }
  if (scopeErrors.length > 0) return fail('WRONG_SCOPE', scopeErrors.join(' '));

  const known = options.credentials(accessKeyId);
  if (known === undefined) return fail('UNKNOWN_KEY', UNKNOWN_KEY_MESSAGE);

  const payloadHash = payloadHashOf(request);
  if (!payloadHash.ok) return fail('BAD_SIGNATURE', payloadHash.message);

  const scope = `${scopeDate}/${scopeRegion}/${scopeService}/${TERMINATOR}`;
  const signingKey = deriveSigningKey(known.secretAccessKey, scopeDate, scopeRegion, scopeService);
  const provided = (parsed.params.Signature ?? '').trim();
  const { path, query } = splitUrl(request.url);
  const headerBlock = canonicalHeaders(request.headers, signedHeaders);

  const forms: Array<{ readonly form: 'aws' | 'as-sent'; readonly uri: string; readonly query: string }> = [
    { form: 'aws', uri: canonicalUri(path), query: canonicalQuery(query) },
  ];
  if (options.acceptAsSentCanonicalForm ?? true) forms.push({ form: 'as-sent', uri: path || '/', query });

  let expected: { readonly canonicalRequest: string; readonly stringToSign: string } | undefined;
  for (const candidate of forms) {
    const canonicalRequest = [
      request.method.toUpperCase(),
      candidate.uri,
      candidate.query,
      headerBlock,
      signedHeaders.join(';'),
      payloadHash.value,
    ].join('\n');
    const stringToSign = [ALGORITHM, requestDate.iso, scope, sha256Hex(canonicalRequest)].join('\n');
    const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
    if (constantTimeEqual(signature, provided)) {
      return { ok: true, credential: known, region: scopeRegion, service: scopeService, canonicalForm: candidate.form };
    }
    expected ??= { canonicalRequest, stringToSign };
  }
  // AWS appends what it expected, which is what makes a signing bug debuggable.
  return fail(
    'BAD_SIGNATURE',
    `${MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${expected?.canonicalRequest}'` +
      `\n\nThe String-to-Sign should have been\n'${expected?.stringToSign}'\n`,
  );
}

/**
 * What API Gateway answers for a failure: 403 {"message": ...} with its exact messages. An unsigned request to an
 * IAM route gets a bare "Forbidden"; the header is the error type API Gateway reports alongside.
 */
export function apiGatewayIamFailure(result: SigV4Rejection): {
  statusCode: 403;
  headers: Record<string, string>;
  body: { message: string };
} {
  const message = result.failure === 'MISSING' ? 'Forbidden' : result.message;
  const errorType = result.failure === 'MISSING' ? 'ForbiddenException' : errorTypeOf(result.failure);
  return { statusCode: 403, headers: { 'x-amzn-ErrorType': errorType }, body: { message } };
}

/**
 * What DynamoDB / Kinesis answer (AWS JSON protocol): status 400, body {"__type": ..., "message": ...}, header
 * x-amzn-ErrorType. DynamoDB qualifies auth error types with the coral namespace, Kinesis sends them bare.
 */
export function awsJsonAuthFailure(
  result: SigV4Rejection,
  service: 'dynamodb' | 'kinesis',
): { statusCode: number; headers: Record<string, string>; body: Record<string, string> } {
  const errorType = errorTypeOf(result.failure);
  let message = result.message;
  if (result.failure === 'MISSING') {
    message = service === 'dynamodb' ? 'Request is missing Authentication Token' : 'Missing Authentication Token';
  }
  return {
    statusCode: 400,
    headers: {
      'Content-Type': service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'x-amzn-ErrorType': `${errorType}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
    },
    body: {
      __type: service === 'dynamodb' ? `com.amazon.coral.service#${errorType}` : errorType,
      message,
    },
  };
}

function errorTypeOf(failure: SigV4Failure): string {
  switch (failure) {
    case 'MISSING':
      return 'MissingAuthenticationTokenException';
    case 'MALFORMED':
      return 'IncompleteSignatureException';
    case 'UNKNOWN_KEY':
      return 'UnrecognizedClientException';
    case 'BAD_SIGNATURE':
    case 'STALE':
    case 'WRONG_SCOPE':
      return 'InvalidSignatureException';
  }
}

function fail(failure: SigV4Failure, message: string): SigV4Rejection {
  return { ok: false, failure, message };
}

function headerText(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(header: string): { algorithm: string; params: Record<string, string> } {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  const params: Record<string, string> = {};
  // Clients separate the pairs with ', ' (SDKs), ',' or spaces; all are accepted by AWS.
  for (const pair of (space === -1 ? '' : trimmed.slice(space)).split(/[,\s]+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { algorithm, params };
}

function parseRequestDate(
  amzDate: string | undefined,
  httpDate: string | undefined,
): { readonly iso: string; readonly time: number } | undefined {
  if (amzDate !== undefined) {
    const m = ISO_BASIC.exec(amzDate.trim());
    if (!m) return undefined;
    const time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    return Number.isNaN(time) ? undefined : { iso: amzDate.trim(), time };
  }
  const time = httpDate === undefined ? Number.NaN : Date.parse(httpDate);
  return Number.isNaN(time) ? undefined : { iso: isoBasic(time), time };
}

function isoBasic(time: number): string {
  return new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function checkSkew(date: { readonly iso: string; readonly time: number }, now: Date, maxSkewMs: number) {
  const nowMs = Math.floor(now.getTime() / 1000) * 1000;
  const window = maxSkewMs % 60_000 === 0 ? `${maxSkewMs / 60_000} min` : `${Math.round(maxSkewMs / 1000)} sec`;
  const earliest = isoBasic(nowMs - maxSkewMs);
  const latest = isoBasic(nowMs + maxSkewMs);
  if (date.time < nowMs - maxSkewMs) {
    return `Signature expired: ${date.iso} is now earlier than ${earliest} (${isoBasic(nowMs)} - ${window}.)`;
  }
  if (date.time > nowMs + maxSkewMs) {
    return `Signature not yet current: ${date.iso} is still later than ${latest} (${isoBasic(nowMs)} + ${window}.)`;
  }
  return undefined;
}

function payloadHashOf(request: SignedRequest): { ok: true; value: string } | { ok: false; message: string } {
  const declared = headerText(request.headers['x-amz-content-sha256'])?.trim();
  const actual = createHash('sha256').update(request.body).digest('hex');
  if (declared === undefined) return { ok: true, value: actual };
  // A declared hash is what gets signed, so it must also be checked against the body, or a body could be swapped
  // under a valid signature (the SDK v3 signer always sends this header).
  if (SHA256_HEX.test(declared) && declared.toLowerCase() !== actual) {
    return { ok: false, message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  // UNSIGNED-PAYLOAD (and anything else) is signed as the literal value, as AWS does.
  return { ok: true, value: declared };
}

function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date, 'utf8').digest();
  const kRegion = createHmac('sha256', kDate).update(region, 'utf8').digest();
  const kService = createHmac('sha256', kRegion).update(service, 'utf8').digest();
  return createHmac('sha256', kService).update(TERMINATOR, 'utf8').digest();
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function constantTimeEqual(expectedHex: string, providedHex: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(providedHex.toLowerCase(), 'utf8');
  // timingSafeEqual needs equal lengths; comparing a against itself keeps the work constant on a length mismatch.
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function splitUrl(url: string): { path: string; query: string } {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  return q === -1
    ? { path: withoutFragment, query: '' }
    : { path: withoutFragment.slice(0, q), query: withoutFragment.slice(q + 1) };
}

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case), as every AWS signer does. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Non-S3 services: remove dot segments and empty segments, then URI-encode the path as received once more, so a
 * wire `%20` becomes `%2520` (the SDK v3 signer, botocore and AWS all do this).
 */
function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<readonly [string, string]> = [];
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? '' : pair.slice(eq + 1);
    // Decode then re-encode, so `%2f` and `/` canonicalize alike; '+' is a literal plus here, not a space.
    pairs.push([uriEncode(safeDecode(key)), uriEncode(safeDecode(value))]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Values trimmed, inner whitespace runs collapsed to one space, repeated headers joined with ','. Node has already
 * joined a repeated header into one string with ', ' (except set-cookie), which cannot be undone here.
 */
function canonicalHeaders(headers: IncomingHttpHeaders, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const value = headers[name];
      const values = value === undefined ? [''] : Array.isArray(value) ? value : [value];
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
    })
    .join('');
}
