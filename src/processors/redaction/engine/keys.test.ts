import { describe, expect, it } from 'vitest';
import { ALLOW, DENY, DEFAULT_DENY_KEYS, KeyClassifier, SCAN, words } from './keys.ts';

const defaults = new KeyClassifier({ allowKeys: [], denyKeys: [], defaultDenyKeys: true });
const only = (entry: string) => new KeyClassifier({ allowKeys: [], denyKeys: [entry], defaultDenyKeys: false });

/** One attribute key per default entry, as telemetry carries it. */
const CASES: Record<string, string> = {
  password: 'db.password', passwd: 'mysql.passwd', pwd: 'ftp.pwd', passphrase: 'gpg.passphrase', secret: 'webhook.secret', clientsecret: 'oauth.clientSecret',
  token: 'session_token', accesstoken: 'accessToken', refreshtoken: 'refresh-token', idtoken: 'IdToken', authtoken: 'x-auth-token', csrftoken: 'csrftoken',
  api_key: 'http.request.header.x-api-key', apikey: 'APIKEY', auth: 'basic_auth', authorization: 'http.request.header.authorization', credential: 'db.credential',
  credentials: 'aws.credentials', cookie: 'http.request.header.cookie', 'set-cookie': 'http.response.header.set-cookie', session: 'php.session', sessionid: 'sessionId',
  jsessionid: 'JSESSIONID', phpsessid: 'PHPSESSID', private_key: 'tls.private_key', privatekey: 'privateKey', access_key: 'aws.access_key', secret_key: 'S3_SECRET_KEY',
  csrf: 'csrf', xsrf: 'x-xsrf-header', signature: 'request.signature', sig: 'url.sig', otp: 'login.otp', cvv: 'card.cvv', cvc: 'cvc', ssn: 'user.ssn',
  accountkey: 'AccountKey', sharedaccesskey: 'SharedAccessKey', sharedaccesssignature: 'SharedAccessSignature', functionskey: 'x-functions-key',
  subscriptionkey: 'Ocp-Apim-Subscription-Key', appkey: 'DD_APP_KEY', applicationkey: 'dd-application-key', licensekey: 'NEW_RELIC_LICENSE_KEY',
};

describe('the default key denylist', () => {
  it('is exactly this list (removing an entry stores what it named)', () => {
    expect([...DEFAULT_DENY_KEYS].sort(), 'an entry of the default denylist was added or removed: values under those keys would be stored, or redacted, after an upgrade').toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s denies %s, alone and among the defaults', (entry, key) => {
    expect(only(entry).classify(key)).toBe(DENY);
    expect(defaults.classify(key)).toBe(DENY);
  });

  it.each(['author', 'oauth.provider', 'gen_ai.usage.input_tokens', 'passwordless', 'session.id', 'SharedAccessKeyName', 'secret_name', 'token_name', 'keyboard.layout', 'monkey'])(
    'leaves %s to the pattern scan',
    (key) => expect(defaults.classify(key)).toBe(SCAN),
  );

  it('still denies a key ending with name when the entry itself ends with it', () => {
    expect(only('customerName').classify('app.customerName')).toBe(DENY);
  });
});

describe('the key classifier', () => {
  it('allows trace and span IDs under any prefix', () => {
    for (const key of ['traceid', 'log.traceid', 'log.spanid', 'parent_span_id', 'TraceId']) expect(defaults.classify(key)).toBe(ALLOW);
  });

  it('tests a /regex/ entry on the whole key', () => {
    const c = only('/^x-internal-/');
    expect(c.classify('x-internal-routing')).toBe(DENY);
    expect(c.classify('http.method')).toBe(SCAN);
  });

  it('matches an entry against runs of the key’s words, never past its last word', () => {
    expect(only('user_undefined').classify('user')).toBe(SCAN);
    expect(only('user_undefined').classify('user.undefined')).toBe(DENY);
  });

  it('gives keys with rules of their own that rule, or leaves them alone, and other keys rule -1', () => {
    const c = new KeyClassifier({ allowKeys: [], denyKeys: [], defaultDenyKeys: true });
    expect(c.classify('user.email')).toBe(SCAN);
    c.setExact(new Map([['user.email', 0], ['db.password', -1], ['user.phone', 3]]));
    expect(c.classify('user.email')).toBe(DENY); // decided again after setExact
    expect(c.entry('user.email').rule).toBe(0);
    expect(c.entry('user.phone').rule).toBe(3);
    expect(c.classify('db.password')).toBe(ALLOW);
    expect(c.entry('db.password').rule).toBe(-1);
    expect(c.entry('api.token').flags).toBe(DENY);
    expect(c.entry('api.token').rule).toBe(-1); // the denylist's rule, not one of its own
    expect(c.entry('http.url').rule).toBe(-1);
  });
});

describe('the words of a key', () => {
  it.each([
    ['user|token', ['user', 'token']], // characters above 'z' separate
    ['zone_id', ['zone', 'id']],
    ['ZONE_ID', ['zone', 'id']],
    ['v10beta', ['v', '10', 'beta']],
    ['v19', ['v', '19']],
    ['2fa_code', ['2', 'fa', 'code']],
    ['__init__', ['init']],
    ['a..b.', ['a', 'b']],
    ['PDFData', ['pdf', 'data']], // an upper-case run ends before the capital of the next word
    ['ABzip', ['a', 'bzip']],
    ['API~key', ['api', 'key']],
    ['XMLHttp', ['xml', 'http']],
  ])('splits %s into %j', (key, expected) => {
    expect(words(key)).toEqual(expected);
  });
});
