/**
 * What an attribute key (or the name in a `key=value` pair) asks of its value: leave it alone,
 * redact it whole (the key denylist), or scan it for patterns. Decided once per distinct key and
 * cached.
 */
import { Matcher, regexOf } from './matchers.ts';
import { Recent } from './memo.ts';

/** Scan the value for patterns (the usual case). */
export const SCAN = 0;
/** Leave the value untouched: `allowKeys`, our own `otelhouse.*` attributes, trace and span IDs. */
export const ALLOW = 1;
/** Replace the whole value, whatever its type: the key is denylisted. */
export const DENY = 2;
/** Scan, but leave IP addresses: a version (`service.version: 1.0.0.0`) or an infrastructure address. */
export const NO_IP = 4;

/**
 * The default key denylist. An entry matches a key when it equals one word of the key or several
 * consecutive words run together: keys split into lowercase words at `.`, `_`, `-`, spaces,
 * camelCase and letter/digit boundaries, so `api_key` matches `x-api-key`, `apiKey` and
 * `APIKEY`, `token` matches `access_token` and `authToken` but not `input_tokens`, and `auth`
 * matches `auth` and `basic_auth` but not `author` or `oauth`.
 */
export const DEFAULT_DENY_KEYS: readonly string[] = [
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'clientsecret', 'token', 'accesstoken', 'refreshtoken',
  'idtoken', 'authtoken', 'csrftoken', 'api_key', 'apikey', 'auth', 'authorization', 'credential', 'credentials',
  'cookie', 'set-cookie', 'session', 'sessionid', 'jsessionid', 'phpsessid', 'private_key', 'privatekey',
  'access_key', 'secret_key', 'csrf', 'xsrf', 'signature', 'sig', 'otp', 'cvv', 'cvc', 'ssn',
  // Keys named by providers: Azure storage and Service Bus, Azure Functions and API Management, Datadog, New Relic.
  'accountkey', 'sharedaccesskey', 'sharedaccesssignature', 'functionskey', 'subscriptionkey', 'appkey', 'applicationkey', 'licensekey',
];

/**
 * OpenTelemetry semantic-convention keys that contain a denylisted word but hold an identifier or
 * a type, not a secret. They are still scanned for patterns. (`session.id` is the client session
 * the gateway's debug sessions target.)
 */
const SEMCONV_EXCEPTIONS = new Set(['session.id', 'session.previous_id', 'gen_ai.token.type']);

/**
 * Semantic-convention keys that hold the address of infrastructure (the server called, the local
 * socket, the host itself), never of a person: their IPs are kept for debugging. Client and peer
 * addresses (`client.address`, `network.peer.address`) are still redacted.
 */
const INFRA_ADDRESS_KEYS = new Set(['server.address', 'server.socket.address', 'network.local.address', 'host.ip', 'net.host.ip', 'net.sock.host.addr']);

const OWN_PREFIX = 'otelhouse.';
/** Our own attributes that carry the app's text (breadcrumbs, a fingerprint it chose): scanned like any other. */
const OWN_CONTENT = new Set(['otelhouse.breadcrumbs', 'otelhouse.fingerprint']);
const CACHE_LIMIT = 10_000;

export interface KeyOptions {
  /** Keys (exact or `/regex/`) whose values are never redacted. */
  allowKeys: readonly string[];
  /** Extra denylist entries: words as above, or `/regex/` tested on the whole key. */
  denyKeys: readonly string[];
  /** Include {@link DEFAULT_DENY_KEYS}. */
  defaultDenyKeys: boolean;
}

/** A key's class and its {@link Recent} clean values. */
export class KeyEntry extends Recent {
  /** A value under this key was redacted: its values are worth looking up among recent redactions. */
  redacts = false;
  /**
   * The key that followed this one in the last map walked, and its entry: records of one kind
   * list their keys in the same order, so the next key's entry is found without a hash lookup.
   */
  nextKey: string | undefined = undefined;
  next: KeyEntry | undefined = undefined;

  /** For a key with a rule of its own (`keyRules`): that rule's index; -1 otherwise. */
  rule = -1;

  constructor(readonly flags: number) {
    super();
  }
}

export class KeyClassifier {
  private readonly allow: Matcher;
  private readonly denyWords = new Set<string>();
  private readonly denyPatterns: RegExp[] = [];
  private readonly cache = new Map<string, KeyEntry>();
  /** Exact keys with a rule of their own: its index, or -1 to keep the value. */
  private exact = new Map<string, number>();

  constructor(options: KeyOptions) {
    this.allow = new Matcher(options.allowKeys);
    for (const entry of [...(options.defaultDenyKeys ? DEFAULT_DENY_KEYS : []), ...options.denyKeys]) {
      const re = regexOf(entry);
      if (re) this.denyPatterns.push(re);
      else if (entry.trim()) this.denyWords.add(words(entry).join(''));
    }
  }

  /** Exact keys with a rule of their own (rule index, -1 to keep); decided before anything else. */
  setExact(exact: Map<string, number>): void {
    this.exact = exact;
    this.cache.clear();
  }

  /** {@link SCAN}, {@link ALLOW}, {@link DENY}, or SCAN with {@link NO_IP}. */
  classify(key: string): number {
    return this.entry(key).flags;
  }

  /** The cached class of `key`, with room for its recent clean values. */
  entry(key: string): KeyEntry {
    let entry = this.cache.get(key);
    if (entry === undefined) {
      const own = this.exact.get(key);
      entry = new KeyEntry(own === undefined ? this.decide(key) : own < 0 ? ALLOW : DENY);
      if (own !== undefined && own >= 0) entry.rule = own;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, entry);
    }
    return entry;
  }

  private decide(key: string): number {
    if ((key.startsWith(OWN_PREFIX) && !OWN_CONTENT.has(key)) || this.allow.test(key)) return ALLOW;
    const w = words(key);
    const last = w[w.length - 1] ?? '';
    const lastTwo = w.length >= 2 ? w[w.length - 2] + last : last;
    if (last === 'traceid' || last === 'spanid' || lastTwo === 'traceid' || lastTwo === 'spanid') return ALLOW;
    if (!SEMCONV_EXCEPTIONS.has(key) && this.denied(key, w)) return DENY;
    return last === 'version' || INFRA_ADDRESS_KEYS.has(key) ? NO_IP : SCAN;
  }

  private denied(key: string, w: string[]): boolean {
    for (const re of this.denyPatterns) if (re.test(key)) return true;
    // `secret_name`, `SharedAccessKeyName`, `token_name` name a secret, not hold one: only a denied run of words ending with `name` counts there.
    const last = w.length - 1;
    const named = w[last] === 'name';
    for (let i = 0; i < w.length; i++) {
      let joined = '';
      for (let j = i; j < w.length; j++) {
        joined += w[j];
        if (this.denyWords.has(joined) && (!named || j === last)) return true;
      }
    }
    return false;
  }
}

/** Lowercase words of a key: split at non-alphanumerics, camelCase humps and letter/digit boundaries. */
export function words(key: string): string[] {
  const out: string[] = [];
  let word = '';
  let prev = 0; // 1 lower, 2 upper, 3 digit
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const kind = c >= 97 && c <= 122 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 48 && c <= 57 ? 3 : 0;
    if (kind === 0) {
      if (word) out.push(word);
      word = '';
      prev = 0;
      continue;
    }
    const nextLower = (key.charCodeAt(i + 1) | 0) >= 97 && key.charCodeAt(i + 1) <= 122;
    const boundary =
      word !== '' &&
      ((kind === 2 && prev === 1) || // fooBar
        (kind === 2 && prev === 2 && nextLower) || // XMLHttp → XML | Http
        (kind === 3) !== (prev === 3)); // letter ↔ digit
    if (boundary) {
      out.push(word);
      word = '';
    }
    word += String.fromCharCode(kind === 2 ? c + 32 : c);
    prev = kind;
  }
  if (word) out.push(word);
  return out;
}
