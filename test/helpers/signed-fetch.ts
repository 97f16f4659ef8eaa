import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * fetch with a SigV4 signature for service execute-api (what a storefront backend's AWS SDK sends to
 * an IAM-authorized HTTP API), made by the AWS SDK's own signer. Without credentials: plain fetch.
 */

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SignedFetchInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** @default now */
  readonly signingDate?: Date;
}

export async function signedFetch(
  url: string,
  init: SignedFetchInit = {},
  credentials?: SigningCredentials,
): Promise<Response> {
  const method = init.method ?? 'GET';
  if (!credentials) return fetch(url, { method, headers: init.headers, body: init.body });
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'execute-api', region: 'us-east-1', credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { host: target.host, ...init.headers },
      body: init.body,
    },
    { signingDate: init.signingDate },
  );
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, body: init.body });
}
