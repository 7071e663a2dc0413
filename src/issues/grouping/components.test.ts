import { describe, expect, it } from 'vitest';
import type { Frame, Platform, StackTrace } from '../types.ts';
import { chainOf, culpritFrame, culpritText, defaultComponents } from './components.ts';

const frame = (fn: string, file: string, inApp = true, module = ''): Frame => ({ function: fn, module, file, line: 7, column: 3, inApp });
const stack = (type: string, frames: Frame[], cause?: StackTrace, platform: Platform = 'node'): StackTrace => ({ platform, type, message: '', frames, cause });

describe('the exception chain', () => {
  it('looks at eight exceptions at most, the top one included', () => {
    let cause: StackTrace | undefined;
    for (let i = 9; i >= 1; i--) cause = stack(`Cause${i}`, [], cause);
    const links = chainOf('Top', 'boom', stack('Top', [], cause));
    expect(links.map((l) => l.type)).toEqual(['Top', 'Cause1', 'Cause2', 'Cause3', 'Cause4', 'Cause5', 'Cause6', 'Cause7']);
  });
});

describe('default components', () => {
  it('take only in-app frames of every exception as soon as one exception has one', () => {
    const cause = stack('SocketError', [frame('connect', '/app/node_modules/pg/client.js', false)]);
    const links = chainOf('QueryError', '', stack('QueryError', [frame('load', '/app/src/orders.js'), frame('query', '/app/node_modules/pg/pool.js', false)], cause));
    expect(defaultComponents(links)).toEqual({ method: 'in_app', components: ['type:QueryError', 'frame:orders.js|load', 'type:SocketError'] });
  });

  it('leave out the type of an exception that has none', () => {
    expect(defaultComponents(chainOf('', '', stack('', [frame('load', '/app/src/orders.js')]))).components).toEqual(['frame:orders.js|load']);
  });

  it('skip a frame that contributes nothing, also between two that do', () => {
    const frames = [frame('main', 'Main.java', true, 'com.acme.Main'), frame('run', '', true, 'com.acme.Main$$Lambda$14/0x0000000800c0b440'), frame('place', 'Orders.java', true, 'com.acme.Orders')];
    expect(defaultComponents(chainOf('', '', stack('IllegalStateException', frames, undefined, 'java'))).components).toEqual([
      'type:IllegalStateException',
      'frame:com.acme.Main|main',
      'frame:com.acme.Orders|place',
    ]);
  });

  it('fall back to the normalized message alone when there is neither a type nor a frame', () => {
    expect(defaultComponents(chainOf('', 'Order 4521 failed', undefined))).toEqual({ method: 'message', components: ['message:Order <int> failed'] });
  });

  it('use the last segment of a Python type, the whole type elsewhere', () => {
    expect(defaultComponents(chainOf('shop.models.Order.DoesNotExist', '', stack('', [], undefined, 'python'))).components).toEqual(['type:DoesNotExist', 'message:']);
    expect(defaultComponents(chainOf('java.lang.IllegalStateException', '', stack('', [], undefined, 'java'))).components).toEqual(['type:java.lang.IllegalStateException', 'message:']);
  });
});

describe('the culprit', () => {
  it('is the last in-app frame of the top exception, not the library frame it called', () => {
    const frames = [frame('main', '/app/src/index.js'), frame('place', '/app/src/orders.js'), frame('query', '/app/node_modules/pg/pool.js', false)];
    expect(culpritFrame(chainOf('E', '', stack('E', frames)))?.frame).toBe(frames[1]);
  });

  it('is the oldest frame when that is the only in-app one', () => {
    const frames = [frame('main', '/app/src/index.js'), frame('emit', 'node:events', false), frame('query', '/app/node_modules/pg/pool.js', false)];
    expect(culpritFrame(chainOf('E', '', stack('E', frames)))?.frame).toBe(frames[0]);
  });

  it("is a cause's in-app frame when the top exception has none, else the top's last frame", () => {
    const top = [frame('emit', 'node:events', false), frame('query', '/app/node_modules/pg/pool.js', false)];
    const inCause = frame('Place', '/src/orders.go', true, 'shop/orders');
    expect(culpritFrame(chainOf('E', '', stack('E', top, stack('C', [inCause], undefined, 'go'))))).toEqual({ frame: inCause, platform: 'go' });
    expect(culpritFrame(chainOf('E', '', stack('E', top, stack('C', [frame('read', 'node:net', false)]))))).toEqual({ frame: top[1], platform: 'node' });
    expect(culpritFrame(chainOf('E', 'm', undefined))).toBeUndefined();
  });

  it.each([
    [frame('charge', 'PaymentService.java', true, 'com.acme.PaymentService'), 'charge (com.acme.PaymentService)'],
    [frame('place', '/srv/app/releases/42/orders/service.js'), 'place (orders/service.js)'],
    [frame('addItem', 'https://shop.example.com/app.js?v=3#top'), 'addItem (app.js)'],
    [frame('addItem', 'webpack:///./cart.js'), 'addItem (cart.js)'],
    [frame('', '/srv/app/orders/service.js'), 'orders/service.js'],
    [frame('Retry', ''), 'Retry'],
    [frame('', ''), ''],
  ])('reads %j as %j: function (module or the last two path segments, without origin or query)', (f, text) => {
    expect(culpritText(f)).toBe(text);
  });
});
