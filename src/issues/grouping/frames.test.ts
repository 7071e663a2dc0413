import { describe, expect, it } from 'vitest';
import type { Frame, Platform } from '../types.ts';
import { fileKey, frameKey } from './frames.ts';

const frame = (fn: string, module: string, file: string): Frame => ({ function: fn, module, file, line: 12, column: 3, inApp: true });

describe('frame grouping keys', () => {
  it.each([
    ['https://shop.example.com/assets/app.3f9a1c2b.js?v=12#x', 'app.js'],
    ['https://shop.example.com/assets/index-BvQ3xk1a.js', 'index.js'],
    ['https://shop.example.com/assets/Dialog-DiwrgTda.js', 'dialog.js'],
    ['https://shop.example.com/static/js/787.a1b2c3d4.chunk.js', '<chunk>.chunk.js'],
    ['https://shop.example.com/_next/static/chunks/pages/checkout-3f9a1c2b4d5e6f70.js', 'checkout.js'],
    ['webpack:///./src/components/Cart.tsx', 'cart.tsx'],
    ['/srv/app/releases/20240305/dist/orders/service.js', 'service.js'],
    ['/srv/app/src/checkout-handlers.js', 'checkout-handlers.js'],
    ['C:\\build\\agent\\_work\\3\\s\\Acme.Reports\\ReportBuilder.cs', 'reportbuilder.cs'],
    ['/srv/app/shop/views.py', 'views.py'],
    ['', ''],
    ['/index.js', 'index.js'],
    // Only a whole trailing hash goes: a hex run needs a digit, Vite's 8 characters a digit or an inner capital.
    ['https://shop.example.com/assets/app.f3a9c1b2d4.js', 'app.js'],
    ['https://shop.example.com/assets/index-bvq3xk1a.js', 'index.js'],
    ['/srv/app/src/user.facade.js', 'user.facade.js'],
    ['/srv/app/migrations/migrate-202403051200-orders.js', 'migrate-202403051200-orders.js'],
    ['https://shop.example.com/assets/vendor.es2015-legacy.js', 'vendor.es2015-legacy.js'],
    ['/srv/app/src/step2.js', 'step2.js'],
    ['/srv/app/src/2fa.js', '2fa.js'],
    // Not a script or stylesheet: lowercased, nothing cut.
    ['resource://gre/modules/Preferences.jsm', 'preferences.jsm'],
    ['/srv/app/config/Routes.json', 'routes.json'],
  ])('reduces the file %j to %j', (file, key) => {
    expect(fileKey(file)).toBe(key);
  });

  it.each([
    ['node', frame('Object.<anonymous>', '', '/app/index.js'), 'index.js|'],
    ['node', frame('async OrderService.place', '', '/app/orders.js'), 'orders.js|place'],
    ['node', frame('new Widget', '', '/app/widget.js'), 'widget.js|Widget'],
    ['node', frame('Layer.handle [as handle_request]', '', '/n/layer.js'), 'layer.js|handle'],
    ['node', frame('async place', '', '/app/orders.js'), 'orders.js|place'],
    ['node', frame('asyncPool', '', '/app/pool.js'), 'pool.js|asyncPool'],
    ['javascript', frame('async*submit', '', 'https://x/app.js'), 'app.js|submit'],
    ['javascript', frame('<anonymous>', '', ''), ''],
    ['javascript', frame('handleClick/<', '', 'https://x/app.js'), 'app.js|'],
    ['javascript', frame('CheckoutForm/submit', '', 'https://x/app.js'), 'app.js|submit'],
    ['javascript', frame('init/</obj.handle', '', 'https://x/app.js'), 'app.js|handle'],
    ['javascript', frame('init/<<', '', 'https://x/app.js'), 'app.js|'],
    ['javascript', frame('global code', '', 'https://x/app.js'), 'app.js|'],
    ['javascript', frame('t', '', 'https://x/assets/index-BvQ3xk1a.js'), 'index.js|'],
    ['javascript', frame('go', '', 'https://x/src/game.js'), 'game.js|go'],
    ['javascript', frame('Zt', '', 'https://x/assets/index-BvQ3xk1a.js'), 'index.js|'],
    ['javascript', frame('addItem', '', 'https://x/assets/index-BvQ3xk1a.js'), 'index.js|addItem'],
    ['python', frame('<lambda>', '', '/app/shop/views.py'), 'views.py|<lambda>'],
    ['python', frame('get', 'django.db.models.query', '/venv/lib/python3.11/site-packages/django/db/models/query.py'), 'django.db.models.query|get'],
    ['java', frame('lambda$place$3', 'com.acme.OrderService', 'OrderService.java'), 'com.acme.OrderService|lambda$place'],
    ['java', frame('lambda$place$12', 'com.acme.OrderService', 'OrderService.java'), 'com.acme.OrderService|lambda$place'],
    // Kotlin's lambdas are numbered in source order too, nested ones at each level: an edit above them renumbers them.
    ['java', frame('main$lambda$0', 'com.acme.MainKt', 'Main.kt'), 'com.acme.MainKt|main$lambda$'],
    ['java', frame('main$lambda$1$lambda$0', 'com.acme.MainKt', 'Main.kt'), 'com.acme.MainKt|main$lambda$$lambda$'],
    ['java', frame('place$lambda-3', 'com.acme.OrderService', 'OrderService.kt'), 'com.acme.OrderService|place$lambda-'],
    ['java', frame('place$lambda$12', 'com.acme.OrderService', 'OrderService.kt'), 'com.acme.OrderService|place$lambda$'],
    ['java', frame('access$000', 'com.acme.OrderService', 'OrderService.java'), 'com.acme.OrderService|access$'],
    ['java', frame('run', 'com.acme.OrderService$$Lambda$123/0x0000000800c0b440', ''), ''],
    ['java', frame('invoke', 'jdk.internal.reflect.GeneratedMethodAccessor412', ''), 'jdk.internal.reflect.GeneratedMethodAccessor|invoke'],
    ['java', frame('issue', 'com.acme.InvoiceService$$EnhancerBySpringCGLIB$$8f3a2b1c', ''), 'com.acme.InvoiceService$$EnhancerBySpringCGLIB|issue'],
    ['java', frame('issue', 'com.acme.InvoiceService$$SpringCGLIB$$0', ''), 'com.acme.InvoiceService$$SpringCGLIB|issue'],
    ['java', frame('getName', 'com.acme.User$HibernateProxy$Xk2fQ9', ''), 'com.acme.User$HibernateProxy|getName'],
    ['go', frame('(*Service).Place.func1.2', 'github.com/acme/shop/orders', '/src/orders/service.go'), 'github.com/acme/shop/orders|(*Service).Place.func'],
    ['go', frame('main.gowrap1', 'main', '/src/main.go'), 'main|main.gowrap'],
    ['go', frame('(*Service).Place.func12', 'github.com/acme/shop/orders', '/src/orders/service.go'), 'github.com/acme/shop/orders|(*Service).Place.func'],
    ['go', frame('(*Service).Place.func1.23', 'github.com/acme/shop/orders', '/src/orders/service.go'), 'github.com/acme/shop/orders|(*Service).Place.func'],
    // Generated-name rules are the JVM's and .NET's: other platforms keep such names as they are.
    ['python', frame('run', 'jobs.lambda_method2', '/app/jobs/lambda_method2.py'), 'jobs.lambda_method2|run'],
    ['other', frame('run', 'Foo$$Lambda$1', ''), 'Foo$$Lambda$1|run'],
    ['dotnet', frame('<Main>b__0_0', 'Acme.Program.<>c', ''), 'Acme.Program.<>c|<Main>b__'],
    ['dotnet', frame('<Ship>b__0', 'Acme.OrdersController.<>c__DisplayClass3_0', ''), 'Acme.OrdersController.<>c__DisplayClass|<Ship>b__'],
    ['dotnet', frame('<Run>g__Retry|4_0', 'Acme.Jobs.Sync', ''), 'Acme.Jobs.Sync|<Run>g__Retry'],
    ['dotnet', frame('lambda_method34', '', ''), '|lambda_method'],
  ] as [Platform, Frame, string][])('%s %j → %j', (platform, f, key) => {
    expect(frameKey(f, platform)).toBe(key);
  });

  it('never uses the line or column', () => {
    const a = frame('place', '', '/app/orders.js');
    expect(frameKey({ ...a, line: 1, column: 1 }, 'node')).toBe(frameKey({ ...a, line: 999, column: 42 }, 'node'));
  });
});
