import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

describe('.NET exception text', () => {
  it('gives each inner exception the frames printed before its "End of inner exception" line', () => {
    const trace = parseStackTrace(SAMPLES.dotnet)!;
    expect([trace.type, trace.cause?.type, trace.cause?.cause?.type]).toEqual([
      'System.InvalidOperationException',
      'System.Net.Http.HttpRequestException',
      'System.Net.Sockets.SocketException',
    ]);
    expect(trace.cause?.message).toBe('Connection refused (carrier.internal:443)');
    expect(trace.frames.map((f) => [f.module, f.function, f.line, f.inApp])).toEqual([
      ['Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.TaskOfIActionResultExecutor', 'Execute', 0, false],
      ['Acme.Shop.Api.Controllers.OrdersController.<>c__DisplayClass3_0', '<Ship>b__0', 31, true],
      ['Acme.Shop.Orders.ShippingService', 'ShipAsync', 88, true],
    ]);
    expect(trace.cause?.frames.map((f) => f.function)).toEqual(['BookAsync', 'ConnectToTcpHostAsync']);
    expect(trace.cause?.cause?.frames.map((f) => f.inApp)).toEqual([false, false]);
  });

  it('reads the one-line .NET Framework header, constructors and generic methods', () => {
    const text = `Unhandled Exception: System.AggregateException: One or more errors occurred. ---> System.ArgumentNullException: Value cannot be null.
Parameter name: source
   at System.Linq.Enumerable.First[TSource](IEnumerable\`1 source)
   at Acme.Reports.ReportBuilder..ctor(IEnumerable\`1 rows) in C:\\build\\agent\\_work\\3\\s\\Acme.Reports\\ReportBuilder.cs:line 19
   --- End of inner exception stack trace ---
   at System.Threading.Tasks.Task.Wait()
   at Acme.Reports.Program.Main(String[] args) in C:\\build\\agent\\_work\\3\\s\\Acme.Reports\\Program.cs:line 11`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'System.AggregateException', message: 'One or more errors occurred.' });
    expect(trace.cause).toMatchObject({ type: 'System.ArgumentNullException', message: 'Value cannot be null.\nParameter name: source' });
    expect(trace.cause!.frames.map((f) => [f.module, f.function, f.file, f.line])).toEqual([
      ['Acme.Reports.ReportBuilder', '.ctor', 'C:\\build\\agent\\_work\\3\\s\\Acme.Reports\\ReportBuilder.cs', 19],
      ['System.Linq.Enumerable', 'First[TSource]', '', 0],
    ]);
    expect(trace.frames.map((f) => f.function)).toEqual(['Main', 'Wait']);
  });

  it('reads frames without debug symbols and lambda frames from expression trees', () => {
    const text = `Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint "ix_users_email"
   at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)
   at lambda_method34(Closure, QueryContext)
   at Acme.Accounts.UserStore.CreateAsync(User user, CancellationToken ct)`;
    const trace = parseStackTrace(text)!;
    expect(trace).toMatchObject({ type: 'Npgsql.PostgresException', message: '23505: duplicate key value violates unique constraint "ix_users_email"' });
    expect(trace.frames.map((f) => [f.function, f.inApp])).toEqual([
      ['CreateAsync', true],
      ['lambda_method34', false],
      ['ReadMessageLong', false],
    ]);
  });
});
