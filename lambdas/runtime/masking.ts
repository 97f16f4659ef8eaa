/**
 * Personal data kept out of logs. Powertools' data-masking utility exists for Python only, so this is
 * the small equivalent the logger applies to every line (`maskingJsonReplacer`) and the log-only email
 * sender applies to what it logs: email addresses are cut to their first character (`a***@***`)
 * wherever they appear, even inside messages and error texts; addresses and the lines of an address
 * (`shippingAddress`, `line1`, `line2`, `postalCode`, and `name` beside them) are replaced whole.
 */

export const MASK = '***';

/** Keys whose value is personal data whatever its shape: replaced whole. */
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['shippingAddress', 'address', 'line1', 'line2', 'postalCode']);
/** Keys whose value is an email address even when it does not look like one. */
const EMAIL_KEYS: ReadonlySet<string> = new Set(['email', 'to']);

/** An address: local part, `@`, dotted domain ending in a letter TLD (not `/node_modules/@aws-sdk/x.js`). */
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** `ada@example.com` -> `a***@***`. */
export function maskEmail(email: string): string {
  return `${email.charAt(0)}${MASK}@${MASK}`;
}

/** Every email address inside a text masked, the rest of the text kept. */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL_PATTERN, maskEmail);
}

/**
 * A copy of `value` with personal data masked, at any depth. Errors are kept as they are (the
 * logger formats them later; their texts then pass through `maskingJsonReplacer`).
 */
export function maskPersonalData(value: unknown): unknown {
  if (typeof value === 'string') return maskEmailsIn(value);
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (!isPlainObject(value)) return value;
  // `name` is personal beside address lines (the addressee); elsewhere (error.name) it is not.
  const isAddress = 'line1' in value || 'postalCode' in value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => {
      if (ADDRESS_KEYS.has(key) || (isAddress && key === 'name')) return [key, MASK];
      if (EMAIL_KEYS.has(key) && typeof field === 'string') {
        const masked = maskEmailsIn(field);
        return [key, masked === field && key === 'email' ? MASK : masked];
      }
      return [key, maskPersonalData(field)];
    }),
  );
}

/**
 * `jsonReplacerFn` of the Powertools Logger: masks the whole log item once (at the root, where
 * every key is seen with its siblings), then every string on its way out, which covers texts
 * that exist only once serialized (an Error's message and stack).
 */
export function maskingJsonReplacer(key: string, value: unknown): unknown {
  if (key === '' && isPlainObject(value)) return maskPersonalData(value);
  if (typeof value === 'string') return maskEmailsIn(value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
