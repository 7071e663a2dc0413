import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';
import { moduleOf } from './python.ts';

describe('Python tracebacks', () => {
  it('reads frames oldest first with the exception line, skipping source and caret lines', () => {
    const trace = parseStackTrace(SAMPLES.python)!;
    expect(trace).toMatchObject({ platform: 'python', type: 'shop.models.Order.DoesNotExist', message: 'Order matching query does not exist.' });
    expect(trace.frames.map((f) => [f.function, f.module, f.line, f.inApp])).toEqual([
      ['inner', 'django.core.handlers.exception', 55, false],
      ['checkout', '', 42, true],
      ['get', 'django.db.models.query', 637, false],
    ]);
  });

  it('links "raise … from" and "during handling" tracebacks as causes, the raised one on top', () => {
    const text = `ERROR:shop.tasks:sync failed
Traceback (most recent call last):
  File "/app/shop/tasks.py", line 18, in sync
    rows = client.fetch()
  File "/usr/lib/python3.12/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/shop/tasks.py", line 21, in sync
    log_failure(payload)
  File "/app/shop/audit.py", line 7, in log_failure
    raise KeyError(key)
KeyError: 'tenant'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/shop/worker.py", line 40, in run
    raise SyncError("sync of tenant 12 failed") from exc
shop.errors.SyncError: sync of tenant 12 failed`;
    const trace = parseStackTrace(text)!;
    expect([trace.type, trace.cause?.type, trace.cause?.cause?.type, trace.cause?.cause?.cause]).toEqual([
      'shop.errors.SyncError',
      'KeyError',
      'json.decoder.JSONDecodeError',
      undefined,
    ]);
    expect(trace.cause?.cause?.frames.map((f) => [f.module, f.inApp])).toEqual([
      ['', true],
      ['json', false],
    ]);
  });

  it('keeps a multi-line exception message', () => {
    const text = `Traceback (most recent call last):
  File "/app/etl/load.py", line 9, in <module>
    main()
ValueError: bad row
  row 12: missing "sku"`;
    expect(parseStackTrace(text)).toMatchObject({ type: 'ValueError', message: 'bad row\n  row 12: missing "sku"', frames: [{ function: '<module>' }] });
  });

  it.each([
    ['/srv/venv/lib/python3.11/site-packages/requests/adapters.py', 'requests.adapters'],
    ['/usr/lib/python3/dist-packages/yaml/__init__.py', 'yaml'],
    ['/usr/local/lib/python3.12/concurrent/futures/thread.py', 'concurrent.futures.thread'],
    ['C:\\Python311\\Lib\\site-packages\\flask\\app.py', 'flask.app'],
    ['/srv/app/shop/views.py', ''],
  ])('derives the module of %s as %j', (file, module) => {
    expect(moduleOf(file)).toBe(module);
  });
});
