import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type KeyLike, SignJWT, UnsecuredJWT } from 'jose';
import { authorizeJwt, type JwtAuthorizerConfig, LocalJwtIssuer } from '../../../../local/auth/jwt';

const ISSUER = 'http://127.0.0.1:3000/local-idp';
const AUDIENCE = 'orderstream-api';

let dir: string;
let issuer: LocalJwtIssuer;
let config: JwtAuthorizerConfig;
/** A second, test-held RSA key in the JWKS, for tokens the issuer would never mint. */
let testKey: KeyLike;
let testPublicPem: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orderstream-jwt-'));
  issuer = await LocalJwtIssuer.open({ keyFile: join(dir, 'keys', 'jwt-key.json'), issuer: ISSUER });
  const pair = await generateKeyPair('RS256', { extractable: true });
  testKey = pair.privateKey;
  testPublicPem = await exportSPKI(pair.publicKey);
  const testJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256' };
  config = { issuer: ISSUER, audience: [AUDIENCE], jwks: { keys: [...issuer.jwks().keys, testJwk] } };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function craft(payload: JWTPayload, header: { alg?: string; kid?: string } = {}): Promise<string> {
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...payload,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key', ...header })
    .sign(testKey);
}

async function refusal(header: string | undefined, overrides: Partial<JwtAuthorizerConfig> = {}) {
  const result = await authorizeJwt(header, { ...config, ...overrides });
  if (result.ok) throw new Error('expected the token to be refused');
  return result;
}

describe('authorizeJwt', () => {
  it('accepts a token from the local issuer and hands over every claim as a string', async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE, scope: 'orders/read orders/write' });

    const result = await authorizeJwt(`Bearer ${token}`, config);

    if (!result.ok) throw new Error(result.reason);
    expect(result.claims.sub).toBe('user-1');
    expect(result.claims.iss).toBe(ISSUER);
    expect(result.claims.exp).toMatch(/^\d{10}$/);
    expect(Object.values(result.claims).every((value) => typeof value === 'string')).toBe(true);
    expect(result.scopes).toBeNull();
  });

  it('renders numbers, booleans, arrays and objects the way API Gateway does, and leaves null claims out', async () => {
    const token = await craft({
      exp: 1_900_000_000,
      'cognito:groups': ['admin', 'ops'],
      email_verified: true,
      address: { city: 'Oslo' },
      nickname: null,
    } as JWTPayload);

    const result = await authorizeJwt(token, { ...config, now: new Date(1_899_999_000_000) });

    if (!result.ok) throw new Error(result.reason);
    expect(result.claims).toMatchObject({
      exp: '1900000000',
      'cognito:groups': '[admin ops]',
      email_verified: 'true',
      address: '{"city":"Oslo"}',
    });
    expect(result.claims).not.toHaveProperty('nickname');
  });

  it('takes the token with or without the Bearer prefix', async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE });

    expect((await authorizeJwt(token, config)).ok).toBe(true);
    expect((await authorizeJwt(`bearer   ${token}`, config)).ok).toBe(true);
  });

  it('answers a missing Authorization header with 401 Unauthorized and a bare Bearer challenge', async () => {
    const result = await refusal(undefined);

    expect(result).toMatchObject({
      statusCode: 401,
      body: { message: 'Unauthorized' },
      headers: { 'www-authenticate': 'Bearer' },
    });
    expect((await refusal('Bearer ')).statusCode).toBe(401);
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: nowSeconds() + 600 }).encode();

    const result = await refusal(`Bearer ${token}`);

    expect(result.statusCode).toBe(401);
    expect(result.reason).toBe('the signing algorithm none is not supported');
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret (key confusion)', async () => {
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: nowSeconds() + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
      .sign(new TextEncoder().encode(testPublicPem));

    const result = await refusal(token);

    expect(result.statusCode).toBe(401);
    expect(result.reason).toBe('the signing algorithm HS256 is not supported');
    expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token from another issuer', async () => {
    const result = await refusal(await craft({ iss: 'https://evil.example' }));

    expect(result.reason).toBe('the token does not have a valid issuer');
  });

  it('refuses a token for another audience with the documented error_description', async () => {
    const result = await refusal(await craft({ aud: 'someone-else' }));

    expect(result.headers['www-authenticate']).toBe(
      'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"',
    );
  });

  it('accepts client_id in place of aud only when the token has no aud', async () => {
    const withoutAud = await craft({ aud: undefined, client_id: AUDIENCE });
    const withOtherAud = await craft({ aud: 'someone-else', client_id: AUDIENCE });

    expect((await authorizeJwt(withoutAud, config)).ok).toBe(true);
    expect((await refusal(withOtherAud)).reason).toBe('the token does not have a valid audience');
  });

  it('refuses an expired token', async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE, expiresInSeconds: 60 });

    const result = await refusal(token, { now: new Date(Date.now() + 61_000) });

    expect(result).toMatchObject({ statusCode: 401, reason: 'the token has expired' });
  });

  it('refuses a token whose nbf is in the future', async () => {
    const result = await refusal(await craft({ nbf: nowSeconds() + 300 }));

    expect(result.reason).toContain('nbf');
  });

  it('refuses a token issued in the future (iat)', async () => {
    const result = await refusal(await craft({ iat: nowSeconds() + 300 }));

    expect(result.reason).toContain('iat');
  });

  it('refuses a token whose kid is not in the JWKS', async () => {
    const result = await refusal(await craft({}, { kid: 'rotated-away' }));

    expect(result.reason).toBe('no key in the issuer JWKS matches the token kid');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');

    const result = await refusal(`${header}.${forged}.${signature}`);

    expect(result.reason).toBe('the token signature is invalid');
  });

  it("passes a token holding one of the route's scopes and lists its scopes", async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE, scope: 'orders/read profile' });

    const result = await authorizeJwt(token, { ...config, requiredScopes: ['orders/write', 'orders/read'] });

    expect(result).toMatchObject({ ok: true, scopes: ['orders/read', 'profile'] });
  });

  it('reads scopes from an scp array as well', async () => {
    const result = await authorizeJwt(await craft({ scp: ['orders/read'] }), {
      ...config,
      requiredScopes: ['orders/read'],
    });

    expect(result.ok).toBe(true);
  });

  it("answers 403 Forbidden when the token has none of the route's scopes", async () => {
    const token = await issuer.sign({ sub: 'user-1', audience: AUDIENCE, scope: 'profile' });

    const result = await refusal(token, { requiredScopes: ['orders/write'] });

    expect(result).toMatchObject({ statusCode: 403, body: { message: 'Forbidden' } });
    expect(
      (await refusal(await issuer.sign({ sub: 'u', audience: AUDIENCE }), { requiredScopes: ['a'] })).statusCode,
    ).toBe(403);
  });
});

describe('LocalJwtIssuer', () => {
  it('reuses the key file across restarts: same kid, and a token from before still verifies', async () => {
    const keyFile = join(dir, 'restart', 'jwt-key.json');
    const first = await LocalJwtIssuer.open({ keyFile, issuer: ISSUER });
    const token = await first.sign({ sub: 'user-1', audience: AUDIENCE });

    const second = await LocalJwtIssuer.open({ keyFile, issuer: ISSUER });

    expect(second.jwks()).toEqual(first.jwks());
    expect((await authorizeJwt(token, { issuer: ISSUER, audience: [AUDIENCE], jwks: second.jwks() })).ok).toBe(true);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('publishes only public key material, with a kid, for RS256', () => {
    const [key, ...others] = issuer.jwks().keys as Array<Record<string, unknown>>;

    expect(others).toHaveLength(0);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privatePart);
  });

  it('describes itself with an OIDC discovery document pointing at its JWKS', () => {
    expect(issuer.discoveryDocument()).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });
});
