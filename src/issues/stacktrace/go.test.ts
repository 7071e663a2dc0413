import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

describe('Go panics', () => {
  it('reads the panicking goroutine only, oldest call first, package as module', () => {
    const trace = parseStackTrace(SAMPLES.go)!;
    expect(trace).toMatchObject({ platform: 'go', type: 'runtime.Error', message: 'invalid memory address or nil pointer dereference' });
    expect(trace.frames.map((f) => [f.module, f.function, f.line, f.inApp])).toEqual([
      ['net/http', '(*Server).Serve', 3086, false],
      ['net/http', 'HandlerFunc.ServeHTTP', 2136, false],
      ['github.com/acme/shop/internal/http', '(*Handler).createOrder', 41, true],
      ['github.com/acme/shop/internal/orders', '(*Service).Place.func1', 87, true],
    ]);
  });

  it('reads a re-panicked custom panic value and the runtime frames below it', () => {
    const text = `panic: order 4521: inventory reservation failed [recovered]
	panic: order 4521: inventory reservation failed

goroutine 7 [running]:
panic({0x9a3c20?, 0xc000214010?})
	/usr/local/go/src/runtime/panic.go:770 +0x132
main.(*worker).reserve(0xc0000b4000, 0x11a9)
	/app/cmd/worker/reserve.go:58 +0x2fe
main.main()
	/app/cmd/worker/main.go:23 +0x85`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'panic', message: 'order 4521: inventory reservation failed' });
    expect(trace.frames.map((f) => [f.module, f.function, f.inApp])).toEqual([
      ['main', 'main', true],
      ['main', '(*worker).reserve', true],
      ['', 'panic', false],
    ]);
  });

  it('reads fatal errors, and treats module-cache and trimmed GOROOT paths as libraries', () => {
    const text = `fatal error: concurrent map writes

goroutine 12 [running]:
github.com/acme/cache.(*Store).Put(...)
	github.com/acme/cache/store.go:41
github.com/redis/go-redis/v9.(*baseClient).process(0xc0001e2000, {0xa4c5f0, 0xc0001a0000}, {0xa50a18, 0xc000290000})
	/root/go/pkg/mod/github.com/redis/go-redis/v9@v9.5.1/redis.go:385 +0x6d
sync.(*Once).doSlow(0x0?, 0x0?)
	sync/once.go:74 +0xc2`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'fatal error', message: 'concurrent map writes' });
    expect(trace.frames.map((f) => f.inApp)).toEqual([false, false, true]);
  });

  it('reads the frames github.com/pkg/errors prints with %+v', () => {
    const text = `dial tcp 10.0.0.5:6379: connect: connection refused
github.com/acme/shop/internal/cache.Dial
	/src/internal/cache/dial.go:22
main.main
	/src/cmd/shop/main.go:31
runtime.main
	/usr/local/go/src/runtime/proc.go:271
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:1695`;
    const trace = parseStackTrace(text, { type: '*net.OpError' })!;
    expect(trace).toMatchObject({ type: '*net.OpError', message: 'dial tcp 10.0.0.5:6379: connect: connection refused' });
    expect(trace.frames.map((f) => [f.function, f.inApp])).toEqual([
      ['goexit', false],
      ['main', false],
      ['main', true],
      ['Dial', true],
    ]);
  });
});
