#!/usr/bin/env node
/**
 * `npm run token -- --sub alice [--scope S] [--expires-in SECONDS] [--aud A] [--data-dir DIR]`: a JWT
 * signed by the local runtime's issuer (`npm start -- --context apiAuth=JWT`), for the audience its
 * routes accept. The token is the last line printed, so `TOKEN=$(npm run -s token -- --sub alice | tail -1)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalJwtIssuer } from '../local/auth';

interface PrincipalsFile {
  readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string' },
      'expires-in': { type: 'string' },
      aud: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.sub)
    throw new Error('usage: npm run token -- --sub SUBJECT [--scope S] [--expires-in SECONDS] [--aud A]');
  const expiresIn = values['expires-in'] === undefined ? 3600 : Number(values['expires-in']);
  if (!Number.isInteger(expiresIn))
    throw new Error(`--expires-in must be whole seconds; got '${values['expires-in']}'`);
  const dataDir = resolve(values['data-dir'] ?? process.env.ORDERSTREAM_DATA_DIR ?? '.orderstream');
  const file = join(dataDir, 'local-principals.json');
  if (!existsSync(file)) throw new Error(`${file} not found: start the local runtime first (npm start)`);
  const jwt = (JSON.parse(readFileSync(file, 'utf8')) as PrincipalsFile).jwt;
  const audience = values.aud ?? jwt?.audience[0];
  if (!jwt || !audience) {
    throw new Error('the running stack has no JWT routes: start it with `npm start -- --context apiAuth=JWT`');
  }
  const issuer = await LocalJwtIssuer.open({
    keyFile: join(dataDir, 'auth', 'jwt-signing-key.json'),
    issuer: jwt.issuer,
  });
  console.log(`token for sub=${values.sub}, aud=${audience}, iss=${jwt.issuer}, expires in ${expiresIn} s:`);
  console.log(await issuer.sign({ sub: values.sub, audience, scope: values.scope, expiresInSeconds: expiresIn }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
