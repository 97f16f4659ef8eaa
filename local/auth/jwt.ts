/**
 * A local OIDC-style token issuer and API Gateway HTTP API's JWT authorizer, for the local runtime.
 *
 * Routes that use a JWT authorizer in the cloud must refuse locally what API Gateway refuses, and hand the function
 * the claims in the shape API Gateway does (every value a string), so that code written against the local gateway
 * behaves the same once deployed. The issuer's key lives in a file so tokens handed out survive a restart.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK, SignJWT } from 'jose';

const SIGNING_ALG = 'RS256';
/** "Currently, only RSA-based algorithms are supported" (API Gateway JWT authorizer docs). */
const RSA_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

interface StoredKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateJwk: JsonWebKey;
}

export interface SignClaims {
  readonly sub: string;
  readonly audience: string;
  /** Space-separated OAuth scopes, as the `scope` claim. */
  readonly scope?: string;
  /** @default 3600 */
  readonly expiresInSeconds?: number;
  /** Sets `client_id` (as Cognito access tokens carry). */
  readonly clientId?: string;
}

export class LocalJwtIssuer {
  private constructor(
    readonly issuer: string,
    private readonly kid: string,
    private readonly privateKey: KeyObject,
    private readonly publicJwk: JWK,
  ) {}

  /** Loads the RSA signing key from keyFile, or creates it (RS256, 2048-bit, a kid) and saves it (mode 0600). */
  static async open(options: { readonly keyFile: string; readonly issuer: string }): Promise<LocalJwtIssuer> {
    const stored = (await readStoredKey(options.keyFile)) ?? (await createStoredKey(options.keyFile));
    const privateKey = createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
    return new LocalJwtIssuer(options.issuer, stored.kid, privateKey, {
      ...publicJwk,
      kid: stored.kid,
      alg: stored.alg,
      use: 'sig',
    });
  }

  /** The issuer's JWKS: public keys only. */
  jwks(): { keys: object[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  /** OIDC discovery document, served at issuer + '/.well-known/openid-configuration'. */
  discoveryDocument(): object {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
      response_types_supported: ['token', 'id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      token_endpoint_auth_signing_alg_values_supported: [SIGNING_ALG],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'scope', 'client_id'],
    };
  }

  sign(claims: SignClaims): Promise<string> {
    const payload: Record<string, string> = {};
    if (claims.scope !== undefined) payload.scope = claims.scope;
    if (claims.clientId !== undefined) payload.client_id = claims.clientId;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(claims.sub)
      .setAudience(claims.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresInSeconds ?? 3600))
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}

async function readStoredKey(keyFile: string): Promise<StoredKey | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredKey>;
  if (typeof parsed.kid !== 'string' || typeof parsed.alg !== 'string' || typeof parsed.privateJwk !== 'object') {
    throw new Error(`${keyFile} is not a local JWT signing key (expected {kid, alg, privateJwk})`);
  }
  return parsed as StoredKey;
}

async function createStoredKey(keyFile: string): Promise<StoredKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: 'jwk' });
  // The thumbprint is a stable kid that names the key itself (RFC 7638).
  const kid = await calculateJwkThumbprint(publicJwk as JWK);
  const stored: StoredKey = { kid, alg: SIGNING_ALG, privateJwk: privateKey.export({ format: 'jwk' }) };
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  // Written aside then hard-linked into place: never a half-written key, and if another process got there first
  // (EEXIST) its key wins so both hand out tokens the other verifies.
  const temporary = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stored)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readStoredKey(keyFile);
    if (winner) return winner;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return stored;
}

export interface JwtAuthorizerConfig {
  /** Must equal the token's `iss` exactly. */
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwks: { keys: object[] };
  /** The route's authorization scopes; the token needs at least one of them. */
  readonly requiredScopes?: readonly string[];
  /** @default new Date() */
  readonly now?: Date;
}

export type JwtAuthorizerResult =
  | {
      readonly ok: true;
      /** As `requestContext.authorizer.jwt.claims`: every value a string. */
      readonly claims: Readonly<Record<string, string>>;
      /** As `requestContext.authorizer.jwt.scopes`: null unless the route has authorization scopes. */
      readonly scopes: readonly string[] | null;
    }
  | {
      readonly ok: false;
      readonly statusCode: 401 | 403;
      readonly headers: Record<string, string>;
      readonly body: { message: string };
      /** Which check failed, for logs. */
      readonly reason: string;
    };

/**
 * API Gateway HTTP API's JWT authorizer: token from the Authorization header (with or without 'Bearer '), checked in
 * the documented order: decode, RSA algorithm and signature against the kid's key, iss, aud (client_id only when
 * there is no aud), exp, nbf, iat, then the route's scopes.
 */
export async function authorizeJwt(
  authorizationHeader: string | undefined,
  config: JwtAuthorizerConfig,
): Promise<JwtAuthorizerResult> {
  const required = config.requiredScopes ?? [];
  const token = (authorizationHeader ?? '').trim().replace(/^bearer\s+/i, '');
  if (token === '') return unauthorized('missing: token not provided', required, false);

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return unauthorized('the token could not be decoded', required);
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !RSA_ALGORITHMS.includes(alg)) {
    return unauthorized(`the signing algorithm ${String(alg)} is not supported`, required);
  }
  const jwk = findKey(config.jwks, header.kid, alg);
  if (jwk === undefined) return unauthorized('no key in the issuer JWKS matches the token kid', required);

  let payload: Record<string, unknown>;
  try {
    const key = await importJWK(jwk, alg);
    const verified = await compactVerify(token, key, { algorithms: [alg] });
    const parsed: unknown = JSON.parse(new TextDecoder().decode(verified.payload));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    return unauthorized('the token signature is invalid', required);
  }

  if (payload.iss !== config.issuer) return unauthorized('the token does not have a valid issuer', required);
  if (!hasValidAudience(payload, config.audience)) {
    // The one error_description AWS documents verbatim.
    return unauthorized('the token does not have a valid audience', required);
  }
  const now = Math.floor((config.now ?? new Date()).getTime() / 1000);
  if (typeof payload.exp !== 'number' || now >= payload.exp) return unauthorized('the token has expired', required);
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now)) {
    return unauthorized('the token is not valid yet (nbf)', required);
  }
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now)) {
    return unauthorized('the token was issued in the future (iat)', required);
  }

  const tokenScopes = scopesOf(payload);
  if (required.length > 0 && !required.some((scope) => tokenScopes.includes(scope))) {
    return {
      ok: false,
      statusCode: 403,
      headers: {},
      body: { message: 'Forbidden' },
      reason: `the token has none of the route's scopes [${required.join(' ')}]`,
    };
  }
  return { ok: true, claims: renderClaims(payload), scopes: required.length > 0 ? tokenScopes : null };
}

function unauthorized(
  reason: string,
  requiredScopes: readonly string[],
  invalidToken = true,
): Extract<JwtAuthorizerResult, { ok: false }> {
  // AWS documents `Bearer scope="" error="invalid_token" error_description="..."`; a request with no token at all
  // gets a bare challenge, as RFC 6750 section 3.1 asks.
  const challenge = invalidToken
    ? `Bearer scope="${requiredScopes.join(' ')}" error="invalid_token" error_description="${reason}"`
    : 'Bearer';
  return {
    ok: false,
    statusCode: 401,
    headers: { 'www-authenticate': challenge },
    body: { message: 'Unauthorized' },
    reason,
  };
}

function findKey(jwks: { keys: object[] }, kid: unknown, alg: string): JWK | undefined {
  if (typeof kid !== 'string') return undefined;
  return (jwks.keys as JWK[]).find(
    (key) =>
      key.kid === kid &&
      key.kty === 'RSA' &&
      (key.alg === undefined || key.alg === alg) &&
      (key.use === undefined || key.use === 'sig'),
  );
}

function hasValidAudience(payload: Record<string, unknown>, audience: readonly string[]): boolean {
  // "API Gateway validates client_id only if aud is not present. When both aud and client_id are present, API
  // Gateway evaluates aud."
  if (payload.aud !== undefined) {
    const claimed = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return claimed.some((value) => typeof value === 'string' && audience.includes(value));
  }
  return typeof payload.client_id === 'string' && audience.includes(payload.client_id);
}

/** The documented `scope` (space-separated) or `scp` (an array, or space-separated) claim; both count. */
function scopesOf(payload: Record<string, unknown>): string[] {
  const scopes: string[] = [];
  for (const claim of [payload.scope, payload.scp]) {
    const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
    for (const value of values) {
      if (typeof value === 'string' && value !== '' && !scopes.includes(value)) scopes.push(value);
    }
  }
  return scopes;
}

/**
 * API Gateway hands claims over as strings: numbers and booleans stringified, arrays as `[a b]` (space-separated in
 * brackets), null claims left out, objects as JSON text.
 */
function renderClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    const rendered = renderClaim(value);
    if (rendered !== undefined) claims[name] = rendered;
  }
  return claims;
}

function renderClaim(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => renderClaim(item) ?? '').join(' ')}]`;
  return JSON.stringify(value);
}
