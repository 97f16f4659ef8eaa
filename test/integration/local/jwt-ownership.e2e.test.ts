import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { DEMO_ORDER, LOCAL_JWT_AUDIENCE } from '../../../bin/local-app';
import { http, putStock, startTestRuntime, type TestRuntime, waitFor } from '../../helpers/local-runtime';

/**
 * JWT mode on `npm start -- --context apiAuth=JWT`: the runtime is the issuer and validates as API
 * Gateway's JWT authorizer; the API function makes the token's subject the customer, who owns its
 * orders. Each hostile case here must be refused.
 */
jest.setTimeout(180_000);

describe('JWT mode: tokens as API Gateway checks them, customers own their orders', () => {
  let h: TestRuntime;
  beforeAll(async () => {
    h = await startTestRuntime({ overrides: { synthContext: { apiAuth: 'JWT' } } });
    await putStock(h, 'JWT-SKU', 50, 100);
  }, 240_000);
  afterAll(() => h?.stop());

  const token = (sub: string, expiresInSeconds?: number) =>
    h.runtime.jwtIssuer.sign({ sub, audience: LOCAL_JWT_AUDIENCE, expiresInSeconds });
  const bearer = async (value: string | Promise<string>) => ({ authorization: `Bearer ${await value}` });
  const order = { ...DEMO_ORDER, items: [{ sku: 'JWT-SKU', quantity: 1 }] };
  const { customerId: _ignored, ...orderWithoutCustomer } = order;

  it("places an order for the token's subject, who alone can read and cancel it", async () => {
    const placed = await http<{ orderId: string }>(
      h,
      'POST',
      '/orders',
      orderWithoutCustomer,
      await bearer(token('alice')),
      null,
    );
    expect(placed.status).toBe(202);
    const { orderId } = placed.body;
    const view = await waitFor(
      h,
      `order ${orderId} terminal`,
      async () => {
        const read = await http<{ status: string; customerId: string }>(
          h,
          'GET',
          `/orders/${orderId}`,
          undefined,
          await bearer(token('alice')),
          null,
        );
        return read.status === 200 && ['COMPLETED', 'CANCELLED'].includes(read.body.status) ? read.body : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(view.customerId).toBe('alice');

    const mine = await http(h, 'GET', `/orders/${orderId}`, undefined, await bearer(token('alice')), null);
    expect(mine).toMatchObject({ status: 200, body: { customerId: 'alice' } });

    // Prepare: what an unknown id answers
    const unknown = await http(h, 'GET', '/orders/no-such-order', undefined, await bearer(token('mallory')), null);
    const theirs = await http(h, 'GET', `/orders/${orderId}`, undefined, await bearer(token('mallory')), null);
    expect(theirs.status).toBe(404);
    expect(theirs.status).toBe(unknown.status);
    expect(JSON.stringify(theirs.body).replaceAll(orderId, 'ID')).toBe(
      JSON.stringify(unknown.body).replaceAll('no-such-order', 'ID'),
    );
    const cancel = await http(h, 'POST', `/orders/${orderId}/cancel`, undefined, await bearer(token('mallory')), null);
    expect(cancel.status).toBe(404);
  });

  it('refuses a forged customerId with 403 customer-mismatch', async () => {
    const forged = await http(
      h,
      'POST',
      '/orders',
      { ...order, customerId: 'alice' },
      await bearer(token('mallory')),
      null,
    );
    expect(forged.status).toBe(403);
    expect(forged.contentType).toBe('application/problem+json');
    expect(forged.body).toMatchObject({ type: 'urn:orderstream:problem:customer-mismatch' });
  });

  it('refuses hostile tokens with 401 Unauthorized before the function runs', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const good = await token('eve');
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const tampered = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'alice' }),
    ).toString('base64url')}.${signature}`;
    const claims = { sub: 'eve', aud: LOCAL_JWT_AUDIENCE, iss: h.runtime.jwtIssuer.issuer };
    const jwksPublicPem = createPublicKey({ key: h.runtime.jwtIssuer.jwks().keys[0] as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hostile: Record<string, string> = {
      'alg none': new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('1h').encode(),
      'HS256 signed with the public key': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: (h.runtime.jwtIssuer.jwks().keys[0] as { kid: string }).kid })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(Buffer.from(jwksPublicPem)),
      'wrong iss': await new SignJWT({ ...claims, iss: 'https://evil.example.com' })
        .setProtectedHeader({ alg: 'RS256', kid: 'evil' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
      'unknown kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'not-in-the-jwks' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
      'wrong aud': await h.runtime.jwtIssuer.sign({ sub: 'eve', audience: 'someone-else' }),
      expired: await token('eve', -120),
      'tampered payload': tampered,
    };
    expect(publicKey).toBeDefined();
    for (const [name, value] of Object.entries(hostile)) {
      const answer = await http(h, 'GET', '/inventory/JWT-SKU', undefined, { authorization: `Bearer ${value}` }, null);
      expect({ name, status: answer.status, body: answer.body }).toEqual({
        name,
        status: 401,
        body: { message: 'Unauthorized' },
      });
    }
    const missing = await http(h, 'GET', '/inventory/JWT-SKU', undefined, {}, null);
    expect(missing.status).toBe(401);
    expect((await http(h, 'GET', '/inventory/JWT-SKU', undefined, await bearer(good), null)).status).toBe(200);
  });

  it('keeps the admin routes on AWS_IAM: a customer token there is refused', async () => {
    const answer = await http(
      h,
      'PUT',
      '/inventory/JWT-SKU',
      { available: 1, priceCents: 1 },
      await bearer(token('eve')),
      null,
    );
    expect(answer).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
  });
});
