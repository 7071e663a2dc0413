import { describe, expect, it } from 'vitest';
import { BreadcrumbRing } from './breadcrumbs.ts';
import { sanitizeUrl } from './url.ts';

describe('the breadcrumb ring', () => {
  it('keeps the last 100, oldest first', () => {
    const ring = new BreadcrumbRing();
    for (let i = 0; i < 250; i++) ring.add({ category: 'click', message: `button#b${i}` }, i);
    const crumbs = JSON.parse(ring.json()!) as Array<{ t: number; message: string }>;
    expect(crumbs).toHaveLength(100);
    expect(crumbs[0]).toEqual({ t: 150, category: 'click', message: 'button#b150' });
    expect(crumbs[99]!.message).toBe('button#b249');
  });

  it('stays within 16 KiB of UTF-8, whatever the text', () => {
    const ring = new BreadcrumbRing();
    for (let i = 0; i < 100; i++) ring.add({ category: 'console', message: '日本語のエラー'.repeat(100), data: { level: 'error' } });
    const json = ring.json()!;
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(16 * 1024);
    expect(ring.size).toBeGreaterThan(10);
    expect(JSON.parse(json)).toHaveLength(ring.size);
  });

  it('is empty until something happens', () => {
    expect(new BreadcrumbRing().json()).toBeUndefined();
  });
});

describe('sanitized URLs', () => {
  it.each([
    ['https://u:p@shop.example/a?x=1#token=abc', 'https://shop.example/a?x=1'],
    ['https://shop.example/cb?code=abc&state=ok&access_token=t&page=2', 'https://shop.example/cb?code=[redacted]&state=ok&access_token=[redacted]&page=2'],
    ['/api/cart?sessionId=s1&sort=asc', 'https://shop.example/api/cart?sessionId=[redacted]&sort=asc'],
    ['https://x.example/?API_KEY=k&q=shoes&flag', 'https://x.example/?API_KEY=[redacted]&q=shoes&flag'],
    ['https://x.example/?e%6Dail=a%40b.c', 'https://x.example/?e%6Dail=[redacted]'],
    ['https://u@x.example/a#', 'https://x.example/a'],
    ['https://:p@x.example/a?', 'https://x.example/a?'],
    ['https://x.example/a?q=shoes+and+socks&n=%C3%A9', 'https://x.example/a?q=shoes+and+socks&n=%C3%A9'],
  ])('%s → %s', (raw, expected) => {
    expect(sanitizeUrl(raw, 'https://shop.example/')).toBe(expected);
  });

  it('gives nothing for what is not a URL', () => {
    expect(sanitizeUrl('http://[::1')).toBe('');
  });
});
