import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AnyValue, Attributes } from '../../../batch/types.ts';
import { redactionConfigSchema } from '../config.ts';
import { hmacHasher } from './hmac.ts';
import { withTokenChecksum } from './validators.ts';
import { REMOVED, Redactor, type Tally } from './index.ts';

const SECRET = 'test-secret-0123456789abcdef0123456789';
const make = (options: Record<string, unknown> = {}) => new Redactor(redactionConfigSchema.parse(options), { hmac: hmacHasher });
const attrs = (entries: Record<string, AnyValue>): Attributes => new Map(Object.entries(entries));
const hmac = (text: string) => `hmac:${createHmac('sha256', SECRET).update(text).digest('hex').slice(0, 32)}`;

function redactText(redactor: Redactor, text: string): { out: string | typeof REMOVED; tally: Tally } {
  const tally = redactor.tally();
  return { out: redactor.text(text, tally), tally };
}

const SAMPLES = {
  email: ['mail John.Doe@Example.com now', 'mail [email] now', 'mail J***@Example.com now'],
  card: ['card 4242 4242 4242 4242 ok', 'card [card] ok', 'card **** **** **** 4242 ok'],
  iban: ['iban DE89 3704 0044 0532 0130 00 ok', 'iban [iban] ok', 'iban DE** **** **** **** **30 00 ok'],
  ssn: ['ssn 123-45-6789 ok', 'ssn [ssn] ok', 'ssn ***-**-6789 ok'],
  phone: ['tel +1 (415) 555-2671 ok', 'tel [phone] ok', 'tel +* (***) ***-**71 ok'],
  ip: ['from 203.0.113.7 and 2001:db8:85a3::8a2e:370:7334 ok', 'from [ip] and [ip] ok', 'from 203.0.113.* and 2001:db8:85a3::* ok'],
  jwt: ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig123 ok', 'jwt [jwt] ok', 'jwt eyJhbGciOiJIUzI1NiJ9.**** ok'],
  bearer: ['Bearer abcDEF123456xyz ok', 'Bearer [bearer] ok', 'Bearer **** ok'],
  private_key: ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- ok', '[private_key] ok', '-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY----- ok'],
  url_credentials: ['https://user:pw@host/x ok', 'https://[credentials]@host/x ok', 'https://****:****@host/x ok'],
  aws_access_key: ['key AKIAIOSFODNN7EXAMPLE ok', 'key [secret] ok', 'key AKIA**** ok'],
  github_token: [`${withTokenChecksum('ghp_', 'a'.repeat(30))} ok`, '[secret] ok', 'ghp_**** ok'],
  slack_token: ['xoxb-1234567890-abc ok', '[secret] ok', 'xoxb-**** ok'],
  stripe_key: [`sk_live_${'a1'.repeat(10)} ok`, '[secret] ok', 'sk_live_**** ok'],
  sensitive_key: ['password=hunter2 ok', 'password=[redacted] ok', 'password=**** ok'],
} as const;

describe('the redaction methods', () => {
  it.each(Object.entries(SAMPLES))('replaces a %s finding with its typed placeholder by default', (rule, [text, placeholder]) => {
    const { out, tally } = redactText(make(), text);
    expect(out).toBe(placeholder);
    expect(tally.rules()).toEqual([rule]);
  });

  it.each(Object.entries(SAMPLES))('masks a %s finding keeping a useful shape', (rule, [text, , masked]) => {
    expect(redactText(make({ rules: { [rule]: 'mask' } }), text).out).toBe(masked);
  });

  it('hashes with HMAC-SHA256 of the canonical form, so the same user correlates across spellings', () => {
    const redactor = make({ defaultMethod: 'hash', hashSecret: SECRET });
    expect(redactText(redactor, 'John.Doe@Example.com').out).toBe(hmac('john.doe@example.com'));
    expect(redactText(redactor, 'john.doe@example.com').out).toBe(hmac('john.doe@example.com'));
    expect(redactText(redactor, 'jane.doe%40example.com').out).toBe(hmac('jane.doe@example.com'));
    expect(redactText(redactor, '4242-4242-4242-4242').out).toBe(hmac('4242424242424242'));
    expect(redactText(redactor, '4242 4242 4242 4242').out).toBe(hmac('4242424242424242'));
    expect(redactText(redactor, 'token=abc').out).toBe(`token=${hmac('abc')}`);
    expect(redactText(make({ defaultMethod: 'hash', hashSecret: `${SECRET}!` }), 'john.doe@example.com').out).not.toBe(hmac('john.doe@example.com'));
  });

  it('refuses a rule set that hashes without an HMAC, rather than failing on the first finding', () => {
    expect(() => new Redactor(redactionConfigSchema.parse({ rules: { email: 'hash' }, hashSecret: SECRET }))).toThrow('the hash method needs an HMAC');
    expect(() => new Redactor(redactionConfigSchema.parse({ rules: { email: 'placeholder' } }))).not.toThrow();
  });

  it('removes a finding from inside a string, and the @ with URL credentials', () => {
    const redactor = make({ defaultMethod: 'remove' });
    expect(redactText(redactor, 'mail jane@example.com now').out).toBe('mail  now');
    expect(redactText(redactor, 'https://user:pw@host/x').out).toBe('https://host/x');
    expect(redactText(redactor, 'jane@example.com').out).toBe(REMOVED);
  });

  it('hides an address used as a URL\'s user name whole, and keeps the host after it', () => {
    const { out, tally } = redactText(make(), 'see http://jo@example.com@example.org/x ok');
    expect(out).toBe('see http://[credentials]@example.org/x ok');
    expect([tally.total, tally.rules()]).toEqual([1, ['url_credentials']]);
    expect(redactText(make({ defaultMethod: 'mask' }), 'http://jo@example.com@example.org/x').out).toBe('http://****@example.org/x');
    expect(redactText(make({ defaultMethod: 'remove' }), 'http://jo@example.com@example.org/x').out).toBe('http://example.org/x');
  });

  it('drops an attribute or array element whose whole value a remove rule matched', () => {
    const redactor = make({ rules: { email: 'remove', sensitive_key: 'remove' } });
    const map = attrs({ 'user.email': 'jane@example.com', note: 'ask jane@example.com', password: 'x', list: ['a@b.io', 'keep', 'c@d.io'] });
    redactor.attributes(map, redactor.tally());
    expect([...map]).toEqual([['note', 'ask '], ['list', ['keep']]]);
  });

  it('turns rules off one by one, or all but the listed ones with defaultMethod off', () => {
    expect(redactText(make({ rules: { email: 'off' } }), 'jane@example.com 203.0.113.7').out).toBe('jane@example.com [ip]');
    expect(redactText(make({ defaultMethod: 'off', rules: { email: 'placeholder' } }), 'jane@example.com 203.0.113.7').out).toBe('[email] 203.0.113.7');
  });
});

describe('the key denylist', () => {
  it('replaces the whole value of a denylisted key, whatever its type', () => {
    const redactor = make();
    const map = attrs({
      password: 'hunter2', 'db.password': 42n, 'http.request.header.authorization': ['Basic x'], 'http.request.header.set-cookie': 'a=b',
      client_secret: 1.5, 'app.auth': true, api_key: new Uint8Array([1]), credentials: attrs({ user: 'u' }), 'x-csrf-token': 'abc',
    });
    const tally = redactor.tally();
    redactor.attributes(map, tally);
    expect([...map.values()]).toEqual(Array(9).fill('[redacted]'));
    expect(tally.total).toBe(9);
  });

  it('matches whole words of the key, so look-alike keys keep their values', () => {
    const redactor = make();
    const map = attrs({ author: 'Jane', 'gen_ai.usage.input_tokens': 1500n, 'oauth.provider': 'google', 'user.authenticated': true, passwordless: true, 'url.authority': 'x' });
    const before = [...map];
    redactor.attributes(map, redactor.tally());
    expect([...map]).toEqual(before);
  });

  it('scans semantic-convention keys that only look denylisted, such as session.id', () => {
    const redactor = make();
    const map = attrs({ 'session.id': 'abc123', 'session.previous_id': 'def456', 'gen_ai.token.type': 'input' });
    redactor.attributes(map, redactor.tally());
    expect(map.get('session.id')).toBe('abc123');
    expect(map.get('gen_ai.token.type')).toBe('input');
  });

  it('keeps empty values, and values already redacted by an earlier pass', () => {
    const redactor = make();
    const map = attrs({ password: '', token: null, secret: '[redacted]', api_key: '****', auth: 'hmac:0123456789abcdef0123456789abcdef' });
    const tally = redactor.tally();
    redactor.attributes(map, tally);
    expect(tally.total).toBe(0);
  });

  it('takes extra words and regexes, and can drop the defaults', () => {
    const extra = make({ denyKeys: ['customer_name', '/^internal\\./'] });
    const map = attrs({ 'app.customerName': 'Jane Doe', 'internal.notes': 'x', password: 'p' });
    extra.attributes(map, extra.tally());
    expect([...map.values()]).toEqual(['[redacted]', '[redacted]', '[redacted]']);
    const none = make({ defaultDenyKeys: false, denyKeys: ['pin'] });
    const other = attrs({ password: 'p', pin: '1234' });
    none.attributes(other, none.tally());
    expect([...other.values()]).toEqual(['p', '[redacted]']);
  });

  it('is off entirely when the sensitive_key rule is off', () => {
    const redactor = make({ rules: { sensitive_key: 'off' } });
    const map = attrs({ password: 'hunter2', note: 'password=hunter2 jane@example.com' });
    redactor.attributes(map, redactor.tally());
    expect([...map.values()]).toEqual(['hunter2', 'password=hunter2 [email]']);
  });
});

describe('the allow-lists', () => {
  it('never touches allow-listed keys, exact or by regex, at any depth', () => {
    const redactor = make({ allowKeys: ['support.email', '/^debug\\./'] });
    const map = attrs({ 'support.email': 'help@example.com', 'debug.password': 'x', body: attrs({ 'support.email': 'a@b.io', other: 'c@d.io' }) });
    redactor.attributes(map, redactor.tally());
    expect(map.get('support.email')).toBe('help@example.com');
    expect(map.get('debug.password')).toBe('x');
    expect([...(map.get('body') as Attributes)]).toEqual([['support.email', 'a@b.io'], ['other', '[email]']]);
  });

  it('keeps allow-listed values, whole or as one finding inside a string, even under a denylisted key', () => {
    const redactor = make({ allowValues: ['noreply@example.com', '/^10\\./', 'none'] });
    expect(redactText(redactor, 'from noreply@example.com to jane@example.com').out).toBe('from noreply@example.com to [email]');
    expect(redactText(redactor, 'hosts 10.1.2.3 and 203.0.113.7').out).toBe('hosts 10.1.2.3 and [ip]');
    const map = attrs({ token: 'none', password: 'hunter2' });
    redactor.attributes(map, redactor.tally());
    expect([...map.values()]).toEqual(['none', '[redacted]']);
  });

  it('scans the own attributes that carry the app\'s text: breadcrumbs and a chosen fingerprint', () => {
    const redactor = make();
    const map = attrs({ 'otelhouse.breadcrumbs': '[{"category":"note","message":"mail jane@example.com"}]', 'otelhouse.fingerprint': ['checkout', 'jane@example.com'] });
    redactor.attributes(map, redactor.tally());
    expect(map.get('otelhouse.breadcrumbs')).toBe('[{"category":"note","message":"mail [email]"}]');
    expect(map.get('otelhouse.fingerprint')).toEqual(['checkout', '[email]']);
  });

  it('never redacts its own otelhouse.* attributes, nor trace and span IDs held as attributes', () => {
    const redactor = make();
    const map = attrs({ 'otelhouse.redaction.rules': ['email'], 'otelhouse.note': 'a@b.io', trace_id: '4242424242424242', 'dd.span_id': '4242424242424242', traceId: 'a@b.io' });
    const before = [...map];
    redactor.attributes(map, redactor.tally());
    expect([...map]).toEqual(before);
  });

  it('keeps 4-part versions under *.version keys and infrastructure addresses, but not client ones', () => {
    const redactor = make();
    const map = attrs({ 'service.version': '1.0.0.0', 'os.build': '1.0.0.0', 'server.address': '10.1.2.3', 'host.ip': ['10.1.2.4'], 'client.address': '203.0.113.7', 'network.peer.address': '203.0.113.8' });
    redactor.attributes(map, redactor.tally());
    expect([...map.values()]).toEqual(['1.0.0.0', '[ip]', '10.1.2.3', ['10.1.2.4'], '[ip]', '[ip]']);
  });
});

describe('custom rules', () => {
  it('adds named regexes with their own placeholder, method and group, compiled once, before the built-ins', () => {
    const redactor = make({
      hashSecret: SECRET,
      customRules: [
        { name: 'customer_id', pattern: 'CUST-\\d{6}' },
        { name: 'order_ref', pattern: 'order=(\\w+)', group: 1, method: 'mask' },
        { name: 'badge', pattern: 'badge [a-z]+', flags: 'i', method: 'hash', placeholder: '[unused]' },
        { name: 'internal_mail', pattern: '[a-z]+@corp\\.example', placeholder: '[staff]' },
      ],
    });
    const { out, tally } = redactText(redactor, 'CUST-123456 order=AB12 BADGE Blue jane@corp.example bob@example.com');
    expect(out).toBe(`[customer_id] order=**** ${hmac('BADGE Blue')} [staff] [email]`);
    expect(tally.rules()).toEqual(['badge', 'customer_id', 'email', 'internal_mail', 'order_ref']);
  });

  it('can be turned off', () => {
    const redactor = make({ customRules: [{ name: 'x', pattern: 'secretword', method: 'off' }] });
    expect(redactText(redactor, 'secretword').out).toBe('secretword');
  });
});

describe('typed values', () => {
  it('scans strings inside arrays and kvlists recursively, each under its own key', () => {
    const redactor = make();
    const body = attrs({ user: attrs({ email: 'jane@example.com', password: 'p', tags: ['vip', 'ip 203.0.113.7'] }), count: 3n });
    const tally = redactor.tally();
    expect(redactor.value(body, 0, tally)).toBe(body);
    const user = body.get('user') as Attributes;
    expect([...user]).toEqual([['email', '[email]'], ['password', '[redacted]'], ['tags', ['vip', 'ip [ip]']]]);
    expect(tally.rules()).toEqual(['email', 'ip', 'sensitive_key']);
  });

  it('leaves numbers alone unless scanNumbers is on', () => {
    expect(make().value(4242424242424242n, 0, make().tally())).toBe(4242424242424242n);
    const redactor = make({ scanNumbers: true });
    expect(redactor.value(4242424242424242n, 0, redactor.tally())).toBe('[card]');
    expect(redactor.value(4242424242424242, 0, redactor.tally())).toBe('[card]');
    expect(redactor.value(42n, 0, redactor.tally())).toBe(42n);
  });

  it('replaces values nested deeper than 64 levels instead of storing them unscanned', () => {
    const redactor = make();
    let deep: AnyValue = 'jane@example.com';
    for (let i = 0; i < 70; i++) deep = [deep];
    const tally = redactor.tally();
    redactor.value(deep, 0, tally);
    let inner: AnyValue = deep;
    for (let i = 0; i < 63; i++) inner = (inner as AnyValue[])[0];
    expect(inner).toEqual(['[redacted]']); // the 65th level
    expect(tally.rules()).toEqual(['max_depth']);
  });

  it('counts nothing the second time over its own output', () => {
    const redactor = make({ rules: { card: 'mask' }, hashSecret: SECRET, defaultMethod: 'hash' });
    const text = 'jane@example.com paid 4242424242424242 password=x Bearer abcDEF123456xyz 203.0.113.7';
    const once = redactText(redactor, text);
    expect(once.tally.total).toBe(5);
    const twice = redactText(redactor, once.out as string);
    expect(twice.out).toBe(once.out);
    expect(twice.tally.total).toBe(0);
  });
});

describe('key classes found through the preceding key', () => {
  it('stay right when records of different kinds put other keys after the same key', () => {
    const redactor = make();
    // `a` is followed by a denylisted key in one kind of record, by an allowed one in the other,
    // and by an infrastructure address (never IP-redacted) in a third; kinds alternate.
    const kinds = [
      () => attrs({ a: 'x', password: 'hunter2', 'client.address': '203.0.113.7' }),
      () => attrs({ a: 'x', 'otelhouse.note': 'hunter2', 'server.address': '203.0.113.7' }),
      () => attrs({ a: 'x', 'server.address': '203.0.113.7', password: 'hunter2' }),
    ];
    const expected = [
      { a: 'x', password: '[redacted]', 'client.address': '[ip]' },
      { a: 'x', 'otelhouse.note': 'hunter2', 'server.address': '203.0.113.7' },
      { a: 'x', 'server.address': '203.0.113.7', password: '[redacted]' },
    ];
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < kinds.length; k++) {
        const map = kinds[k]();
        redactor.attributes(map, redactor.tally());
        expect(Object.fromEntries(map)).toEqual(expected[k]);
      }
    }
  });
});

describe('rules of exact keys (keyRules)', () => {
  const secret = 'key-rules-secret-of-more-than-32-characters';
  // Built inside each test, not once per describe: a rule set is compiled when the test runs.
  const keyRulesRedactor = () => new Redactor(redactionConfigSchema.parse({
    hashSecret: secret,
    keyRules: [
      { key: 'shop.customer.email', method: 'hash' }, { key: 'shop.customer.name', method: 'mask' }, { key: 'shop.customer.phone', method: 'remove' },
      { key: 'shop.note', method: 'placeholder' }, { key: 'support.email', method: 'keep' }, { key: 'shop.customer.city', method: 'mask' },
    ],
  }), { hmac: hmacHasher });

  it('applies each key\'s method to its whole value, counted as key_<method>, and keeps a kept key as sent', () => {
    const redactor = keyRulesRedactor();
    const map = attrs({
      'shop.customer.email': 'Jane@Example.com', 'shop.customer.name': 'Jane Doe', 'shop.customer.phone': '+1 415 555 2671',
      'shop.note': 'call me', 'support.email': 'help@example.com', other: 'jane@example.com', 'shop.customer.count': 3n,
    });
    const tally = redactor.tally();
    redactor.attributes(map, tally);
    expect(Object.fromEntries(map)).toEqual({
      'shop.customer.email': hmacHasher(secret)('Jane@Example.com'), 'shop.customer.name': '****', 'shop.note': '[redacted]',
      'support.email': 'help@example.com', other: '[email]', 'shop.customer.count': 3n,
    });
    expect(tally.rules()).toEqual(['email', 'key_hash', 'key_mask', 'key_placeholder', 'key_remove']);
  });

  it('counts the keys of one method under one rule', () => {
    const redactor = keyRulesRedactor();
    const map = attrs({ 'shop.customer.name': 'Jane Doe', 'shop.customer.city': 'Springfield' });
    const tally = redactor.tally();
    redactor.attributes(map, tally);
    expect(Object.fromEntries(map)).toEqual({ 'shop.customer.name': '****', 'shop.customer.city': '****' });
    expect(tally.rules()).toEqual(['key_mask']);
    const totals = new Float64Array(redactor.ruleNames.length);
    tally.flush(totals);
    expect(redactor.ruleNames.flatMap((name, i) => (totals[i] > 0 ? [`${name}=${totals[i]}`] : []))).toEqual(['key_mask=2']);
  });

  it('needs the hash secret when a key rule hashes', () => {
    expect(() => redactionConfigSchema.parse({ keyRules: [{ key: 'a', method: 'hash' }] })).toThrow(/keyRules\[0\]/);
  });
});

describe('the engine core, rule by rule', () => {
  it('scans the values of denylisted keys like any other when sensitive_key is off, also by defaultMethod off', () => {
    const off = make({ rules: { sensitive_key: 'off' } });
    const map = attrs({ password: 'jane@example.com' });
    off.attributes(map, off.tally());
    expect(map.get('password')).toBe('[email]');
    const onlyEmail = make({ defaultMethod: 'off', rules: { email: 'placeholder' } });
    const other = attrs({ password: 'jane@example.com', note: 'password=hunter2' });
    onlyEmail.attributes(other, onlyEmail.tally());
    expect(Object.fromEntries(other)).toEqual({ password: '[email]', note: 'password=hunter2' });
  });

  it('keeps only IPs under infrastructure and version keys, even with the ip rule off', () => {
    const redactor = make();
    const map = attrs({ 'server.address': 'jane@example.com', 'service.version': '1.0.0.0 by jane@example.com' });
    redactor.attributes(map, redactor.tally());
    expect(Object.fromEntries(map)).toEqual({ 'server.address': '[email]', 'service.version': '1.0.0.0 by [email]' });
    const noIp = make({ rules: { ip: 'off' } });
    const other = attrs({ 'server.address': 'password=hunter2', 'host.ip': 'tel +1 (415) 555-2671', note: '203.0.113.7' });
    noIp.attributes(other, noIp.tally());
    expect(Object.fromEntries(other)).toEqual({ 'server.address': 'password=[redacted]', 'host.ip': 'tel [phone]', note: '203.0.113.7' });
  });

  it('runs a custom rule on strings in which no built-in rule could match', () => {
    const redactor = make({ customRules: [{ name: 'codeword', pattern: 'secretword' }] });
    const { out, tally } = redactText(redactor, 'secretword');
    expect(out).toBe('[codeword]');
    expect(tally.rules()).toEqual(['codeword']);
    expect(redactText(redactor, 'say secretword now').out).toBe('say [codeword] now');
  });

  it('applies a key rule that is rule 0 (every other rule off)', () => {
    const redactor = make({ defaultMethod: 'off', keyRules: [{ key: 'shop.note', method: 'mask' }] });
    const map = attrs({ 'shop.note': 'call me', other: 'jane@example.com' });
    const tally = redactor.tally();
    redactor.attributes(map, tally);
    expect(Object.fromEntries(map)).toEqual({ 'shop.note': '****', other: 'jane@example.com' });
    expect(tally.rules()).toEqual(['key_mask']);
  });

  it('keeps a whole value that is allow-listed, though a finding inside it is not', () => {
    const redactor = make({ allowValues: ['/^from noreply /'] });
    expect(redactText(redactor, 'from noreply jane@example.com').out).toBe('from noreply jane@example.com');
    expect(redactText(redactor, 'to jane@example.com').out).toBe('to [email]');
  });

  it('redacts findings that touch, whichever rule comes first', () => {
    const ab = make({ customRules: [{ name: 'a', pattern: 'AAA' }, { name: 'b', pattern: 'BBB' }] });
    expect(redactText(ab, 'AAABBB').out).toBe('[a][b]');
    const ba = make({ customRules: [{ name: 'b', pattern: 'BBB' }, { name: 'a', pattern: 'AAA' }] });
    expect(redactText(ba, 'AAABBB').out).toBe('[a][b]');
  });

  it('returns an empty string, not REMOVED, when a placeholder rule leaves nothing', () => {
    const redactor = make({ customRules: [{ name: 'blank', pattern: 'secretword', placeholder: '' }] });
    expect(redactText(redactor, 'secretword').out).toBe('');
  });

  it('leaves allow-listed values alone and replaces denied ones whole in value()', async () => {
    const { ALLOW, DENY } = await import('./keys.ts');
    const redactor = make();
    const tally = redactor.tally();
    expect(redactor.value('jane@example.com', ALLOW, tally)).toBe('jane@example.com');
    expect(redactor.value('hunter2', DENY, tally)).toBe('[redacted]');
    expect(tally.rules()).toEqual(['sensitive_key']);
    // With sensitive_key off there is no denylist rule: a value passed as denied is kept.
    const off = make({ rules: { sensitive_key: 'off' } });
    const none = off.tally();
    expect(off.value('hunter2', DENY, none)).toBe('hunter2');
    expect(none.total).toBe(0);
  });

  it('replaces kvlists nested deeper than 64 levels', () => {
    const redactor = make();
    let deep: AnyValue = attrs({ note: 'jane@example.com' });
    for (let i = 0; i < 70; i++) deep = attrs({ next: deep });
    const tally = redactor.tally();
    redactor.value(deep, 0, tally);
    let inner = deep as Attributes;
    for (let i = 0; i < 63; i++) inner = inner.get('next') as Attributes;
    expect(inner.get('next')).toBe('[redacted]'); // the 65th level, as with arrays
    expect(tally.rules()).toEqual(['max_depth']);
  });

  it('redacts a repeated string every time, at a place with recent memory and under one key, counting each', async () => {
    const { Recent } = await import('./memo.ts');
    const redactor = make();
    const recent = new Recent();
    for (let i = 0; i < 3; i++) {
      const tally = redactor.tally();
      expect(redactor.recentText('GET /users/jane@example.com', recent, tally)).toBe('GET /users/[email]');
      expect(tally.total).toBe(1);
    }
    const long = 'user jane@example.com logged in from 203.0.113.7 with a long agent string';
    for (let i = 0; i < 3; i++) {
      const map = attrs({ note: long });
      const tally = redactor.tally();
      redactor.attributes(map, tally);
      expect(map.get('note')).toBe('user [email] logged in from [ip] with a long agent string');
      expect(tally.rules()).toEqual(['email', 'ip']);
      expect(tally.total).toBe(2);
    }
  });

  it('counts the rules of each remembered redaction, not those of the last one', () => {
    const redactor = make();
    const texts = ['mail jane@example.com from 203.0.113.7', 'card 4242 4242 4242 4242', 'ssn 123-45-6789 and bob@example.com'];
    const expected = [['email', 'ip'], ['card'], ['email', 'ssn']];
    for (let round = 0; round < 3; round++) {
      for (let t = 0; t < texts.length; t++) {
        const map = attrs({ note: texts[t] });
        const tally = redactor.tally();
        redactor.attributes(map, tally);
        expect(tally.rules()).toEqual(expected[t]);
        expect(tally.total).toBe(2 - (t === 1 ? 1 : 0));
      }
    }
  });
});
