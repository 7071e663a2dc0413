import { describe, expect, it } from 'vitest';
import { buildJsonBody, buildSlackBody, issueUrl } from './payload.ts';
import { makeAlert, makeOccurrence } from './testing.ts';
import { clip, mrkdwn } from './text.ts';

describe('Slack body', () => {
  it('has a fallback text and one mrkdwn section with the issue essentials', () => {
    const body = buildSlackBody(makeAlert({ occurrence: makeOccurrence() }));
    expect(body.text).toBe('New issue: TypeError: x is undefined — checkout (production)');
    expect(body.blocks).toHaveLength(1);
    expect(body.blocks[0]!.type).toBe('section');
    expect(body.blocks[0]!.text.type).toBe('mrkdwn');
    const text = body.blocks[0]!.text.text;
    for (const part of ['*TypeError: x is undefined*', 'checkout', 'production', '`1.2.3`', 'Events: 12', 'Users: 3', 'Severity: error', '`handler (src/app.js)`']) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('View issue');
  });

  it('links to the issue when publicUrl is set', () => {
    const body = buildSlackBody(makeAlert(), { publicUrl: 'https://otelhouse.example.com/' });
    expect(body.blocks[0]!.text.text).toContain('<https://otelhouse.example.com/api/issues/f3a1c0de|View issue>');
  });

  it.each([
    ['regressed', { status: 'resolved' }, 'Regressed issue (was resolved)'],
    ['escalated', { severity: 'warning' }, 'Escalating issue (severity warning → error)'],
    ['escalated', undefined, 'Escalating issue:'],
  ] as const)('names a %s alert and what changed', (kind, previous, headline) => {
    expect(buildSlackBody(makeAlert({ kind, previous })).text).toContain(headline);
  });

  it('escapes mrkdwn control characters so hostile titles cannot ping or forge links', () => {
    const title = '<!channel> <@U123> & <https://evil.example|click> *bold*';
    const body = buildSlackBody(makeAlert({}, { title, culprit: 'f`oo` <b>', service: '<svc>' }));
    const all = `${body.text}\n${body.blocks[0]!.text.text}`;
    expect(all).not.toMatch(/[<>]/); // no publicUrl: no link, so no raw angle bracket at all
    expect(all).toContain('&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(all).toContain("`f'oo' &lt;b&gt;`");
    expect(all).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it('bounds very long or multi-line strings', () => {
    const title = `${'&'.repeat(5000)}\n${'x'.repeat(100_000)}`;
    const body = buildSlackBody(makeAlert({ occurrence: makeOccurrence({ version: 'v'.repeat(10_000) }) }, { title, culprit: 'c'.repeat(50_000), service: 's'.repeat(10_000) }), {
      publicUrl: `https://example.com/${'p'.repeat(5000)}`,
    });
    expect(body.blocks[0]!.text.text.length).toBeLessThanOrEqual(3000);
    expect(body.text.length).toBeLessThanOrEqual(600);
    expect(body.blocks[0]!.text.text).not.toContain('\nx'); // the title stays on one line
    expect(body.text).toMatch(/^New issue: (&amp;)+…/); // cut between entities, never inside one
  });
});

describe('generic JSON body', () => {
  it('carries the event, the issue, the occurrence and sentAt', () => {
    const sentAt = new Date('2024-05-01T12:06:00.000Z');
    const body = buildJsonBody(makeAlert({ kind: 'regressed', occurrence: makeOccurrence(), previous: { status: 'resolved' } }), { publicUrl: 'https://o.example/issues/{fingerprint}?x=1' }, sentAt);
    // Round-trip through JSON: the body must serialize (no bigint) and keep its shape.
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      event: 'regressed',
      issue: {
        fingerprint: 'f3a1c0de',
        title: 'TypeError: x is undefined',
        service: 'checkout',
        environment: 'production',
        status: 'new',
        severity: 'error',
        culprit: 'handler (src/app.js)',
        firstSeen: '2024-05-01T12:00:00.000Z',
        lastSeen: '2024-05-01T12:05:00.000Z',
        events: 12,
        users: 3,
        versions: ['1.2.2', '1.2.3'],
        url: 'https://o.example/issues/f3a1c0de?x=1',
      },
      occurrence: {
        time: '2024-05-01T12:05:00.123Z',
        timeUnixNano: '1714565100123456789',
        source: 'span_event',
        platform: 'node',
        type: 'TypeError',
        message: 'x is undefined',
        culprit: 'handler (src/app.js)',
        severity: 'error',
        version: '1.2.3',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        stacktrace: 'TypeError: x is undefined\n    at handler (src/app.js:10:5)',
      },
      previous: { status: 'resolved' },
      sentAt: '2024-05-01T12:06:00.000Z',
    });
  });

  it('leaves out the occurrence and the url when there are none, and bounds long strings', () => {
    const body = buildJsonBody(makeAlert({}, { title: 't'.repeat(50_000) }));
    expect(body).not.toHaveProperty('occurrence');
    expect(body.issue).not.toHaveProperty('url');
    expect(body.issue.title.length).toBeLessThanOrEqual(1000);
  });
});

describe('text helpers', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdefghij', 5, 'abcd…'],
    ['ab😀cd', 4, 'ab…'], // never half a surrogate pair
  ])('clip(%j, %i) is %j', (value, max, expected) => expect(clip(value, max)).toBe(expected));

  it.each([
    ['a & b', 100, 'a &amp; b'],
    ['a\n\n  b', 100, 'a b'],
    ['xx&&', 8, 'xx&amp;…'],
    ['xx&&', 7, 'xx…'],
    ['xx&&', 6, 'xx…'],
  ])('mrkdwn(%j, %i) is %j', (value, max, expected) => expect(mrkdwn(value, max)).toBe(expected));

  it.each([
    [undefined, undefined],
    ['https://o.example', 'https://o.example/api/issues/a%2Fb'],
    ['https://o.example/d?var-fp={fingerprint}', 'https://o.example/d?var-fp=a%2Fb'],
  ])('issueUrl(%j) is %j', (base, expected) => expect(issueUrl(base, 'a/b')).toBe(expected));
});
