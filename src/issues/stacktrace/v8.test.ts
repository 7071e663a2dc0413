import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

const brief = (text: string) => parseStackTrace(text)?.frames.map((f) => [f.function, f.file, f.line, f.column, f.inApp]);

describe('V8 stack traces', () => {
  it('reads a Node.js trace oldest call first, with header, positions and in-app flags', () => {
    const trace = parseStackTrace(SAMPLES.node)!;
    expect(trace).toMatchObject({ platform: 'node', type: 'TypeError', message: "Cannot read properties of undefined (reading 'id')" });
    expect(brief(SAMPLES.node)).toEqual([
      ['process.processTicksAndRejections', 'node:internal/process/task_queues', 95, 5, false],
      ['Layer.handle [as handle_request]', '/srv/app/node_modules/express/lib/router/layer.js', 95, 5, false],
      ['handler', '/srv/app/releases/20240305/dist/routes/orders.js', 18, 5, true],
      ['Promise.all', '<anonymous>', 0, 0, false],
      ['OrderService.place', '/srv/app/releases/20240305/dist/orders/service.js', 42, 17, true],
    ]);
  });

  it('reads a Chrome trace as a browser one, native and vendor-bundle frames not in-app', () => {
    const trace = parseStackTrace(`Uncaught ${SAMPLES.chrome}`)!;
    expect(trace).toMatchObject({ platform: 'javascript', type: 'TypeError', message: 'e.items.map is not a function' });
    expect(trace.frames.map((f) => [f.function, f.inApp])).toEqual([
      ['', true],
      ['Array.forEach', false],
      ['renderWithHooks', false],
      ['CartList', true],
    ]);
  });

  it('finds the header after the source excerpt Node.js prints for an uncaught exception', () => {
    const text = `/app/server.js:12
    throw new Error('boom: ' + id);
    ^

Error: boom: 42
    at Object.<anonymous> (/app/server.js:12:11)
    at Module._compile (node:internal/modules/cjs/loader:1256:14)`;
    expect(parseStackTrace(text)).toMatchObject({ type: 'Error', message: 'boom: 42', frames: [{ function: 'Module._compile' }, { function: 'Object.<anonymous>', line: 12 }] });
  });

  it('keeps a multi-line message and reads a Node.js error code header', () => {
    const text = `Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client
second line of context
    at ServerResponse.setHeader (node:_http_outgoing:652:11)
    at sendJson (/app/src/http.js:8:7)`;
    expect(parseStackTrace(text)).toMatchObject({ type: 'Error', message: 'Cannot set headers after they are sent to the client\nsecond line of context' });
  });

  it('reads file-URL, eval and bare-location frames', () => {
    const text = `ReferenceError: x is not defined
    at eval (eval at compile (/app/src/template.js:30:12), <anonymous>:1:1)
    at file:///app/src/main.mjs:10:5
    at new Widget (/app/src/widget.js:3:9)`;
    expect(brief(text)).toEqual([
      ['new Widget', '/app/src/widget.js', 3, 9, true],
      ['', 'file:///app/src/main.mjs', 10, 5, true],
      ['eval', '/app/src/template.js', 30, 12, true],
    ]);
  });

  it("reads util.inspect's [cause] blocks as the cause chain", () => {
    const text = `Error: checkout failed
    at checkout (/app/src/checkout.js:20:11) {
  [cause]: Error: connect ECONNREFUSED 10.0.0.7:5432
      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)
      at connect (/app/src/db.js:9:3) {
    errno: -111,
    code: 'ECONNREFUSED'
  }
}`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'Error', message: 'checkout failed', frames: [{ function: 'checkout' }] });
    expect(trace.cause).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED 10.0.0.7:5432', frames: [{ function: 'connect' }, { function: 'TCPConnectWrap.afterConnect [as oncomplete]' }] });
  });
});
