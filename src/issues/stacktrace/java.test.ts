import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

const frames = (text: string) => parseStackTrace(text)?.frames.map((f) => [f.module, f.function, f.file, f.line, f.inApp]);

describe('JVM stack traces', () => {
  it('reads class, method, file and line oldest first, JPMS prefixes removed', () => {
    const trace = parseStackTrace(SAMPLES.java)!;
    expect(trace).toMatchObject({ platform: 'java', type: 'java.lang.IllegalStateException', message: 'Payment failed for order 4521' });
    expect(trace.frames.map((f) => [f.module, f.function, f.file, f.line, f.inApp])).toEqual([
      ['com.acme.shop.Main', 'main', 'Main.java', 12, true],
      ['java.util.ArrayList', 'forEach', 'ArrayList.java', 1541, false],
      ['com.acme.shop.OrderService', 'place', 'OrderService.java', 42, true],
      ['com.acme.shop.PaymentService', 'charge', 'PaymentService.java', 88, true],
    ]);
  });

  it("fills a cause's '... N more' with the enclosing trace's last N frames", () => {
    const cause = parseStackTrace(SAMPLES.java)!.cause!;
    expect(cause).toMatchObject({ type: 'java.net.SocketTimeoutException', message: 'Read timed out' });
    expect(cause.frames.map((f) => `${f.module}.${f.function}`)).toEqual([
      'com.acme.shop.Main.main',
      'java.util.ArrayList.forEach',
      'com.acme.shop.GatewayClient.post',
      'sun.nio.ch.NioSocketImpl.timedRead',
    ]);
  });

  it('skips Suppressed blocks, reads "Exception in thread" headers and Kotlin coroutine frames', () => {
    const text = `Exception in thread "DefaultDispatcher-worker-1" kotlin.KotlinNullPointerException
	at com.acme.app.sync.SyncWorker$run$1.invokeSuspend(SyncWorker.kt:57)
	at kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(ContinuationImpl.kt:33)
	at _COROUTINE._BOUNDARY._(CoroutineDebugging.kt:46)
	at kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)
	Suppressed: java.io.IOException: stream closed
		at com.acme.app.io.Stream.close(Stream.kt:12)
		... 3 more
	Caused by: java.lang.Error: inside the suppressed one
		at com.acme.app.io.Stream.flush(Stream.kt:30)
Caused by: java.lang.IllegalArgumentException: user 8812 has no device
	at com.acme.app.sync.DeviceRepo.find(DeviceRepo.kt:21)
	... 4 more`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'kotlin.KotlinNullPointerException', message: '' });
    expect(trace.frames.map((f) => [f.function, f.inApp])).toEqual([
      ['run', false],
      ['_', false],
      ['resumeWith', false],
      ['invokeSuspend', true],
    ]);
    expect(trace.cause).toMatchObject({ type: 'java.lang.IllegalArgumentException', message: 'user 8812 has no device' });
    expect(trace.cause!.frames).toHaveLength(5);
    expect(trace.cause!.cause).toBeUndefined();
  });

  it("reads logback's packaging data and 'common frames omitted'", () => {
    const text = `org.springframework.dao.DataIntegrityViolationException: could not execute statement
	at org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:276) ~[spring-orm-6.1.4.jar:6.1.4]
	at com.acme.billing.InvoiceService.issue(InvoiceService.java:73) ~[classes/:na]
	at com.acme.billing.InvoiceService$$SpringCGLIB$$0.issue(<generated>) ~[classes/:na]
Caused by: org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "invoices_number_key"
	at org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725) ~[postgresql-42.7.2.jar:42.7.2]
	... 2 common frames omitted`;
    expect(frames(text)).toEqual([
      ['com.acme.billing.InvoiceService$$SpringCGLIB$$0', 'issue', '', 0, true],
      ['com.acme.billing.InvoiceService', 'issue', 'InvoiceService.java', 73, true],
      ['org.springframework.orm.jpa.vendor.HibernateJpaDialect', 'convertHibernateAccessException', 'HibernateJpaDialect.java', 276, false],
    ]);
    expect(parseStackTrace(text)!.cause!.frames.map((f) => f.function)).toEqual(['issue', 'issue', 'receiveErrorResponse']);
  });

  it('reads Android frames, with the platform not in-app', () => {
    const text = `java.lang.RuntimeException: Unable to start activity ComponentInfo{com.acme.app/com.acme.app.MainActivity}
	at android.app.ActivityThread.performLaunchActivity(ActivityThread.java:3449)
	at com.acme.app.MainActivity.onCreate(MainActivity.kt:42)
	at com.android.internal.os.ZygoteInit.main(ZygoteInit.java:947)`;
    expect(frames(text)?.map(([m, , , , inApp]) => [m, inApp])).toEqual([
      ['com.android.internal.os.ZygoteInit', false],
      ['com.acme.app.MainActivity', true],
      ['android.app.ActivityThread', false],
    ]);
  });
});
