import { describe, expect, it } from 'vitest';
import { DENY, DEFAULT_DENY_KEYS, KeyClassifier, SCAN } from './keys.ts';

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
