import { describe, expect, it } from 'vitest';
import type { Platform } from '../types.ts';
import { isInApp } from './inApp.ts';

const cases: [Platform, string, string, boolean][] = [
  // platform, module, file, in-app
  ['node', '', '/srv/app/dist/orders/service.js', true],
  ['node', '', 'file:///app/src/main.mjs', true],
  ['node', '', '/srv/app/node_modules/express/lib/router/layer.js', false],
  ['node', '', '/srv/app/node_modules/.pnpm/pg@8.11.3/node_modules/pg/lib/client.js', false],
  ['node', '', 'node:internal/process/task_queues', false],
  ['node', '', 'internal/modules/cjs/loader.js', false],
  ['node', '', 'events.js', false],
  ['node', '', '<anonymous>', false],
  ['javascript', '', 'https://shop.example.com/assets/index-BvQ3xk1a.js', true],
  ['javascript', '', 'https://shop.example.com/static/js/main.3f9a1c2b.chunk.js', true],
  ['javascript', '', 'webpack:///./src/components/Cart.tsx', true],
  ['javascript', '', 'https://shop.example.com/static/js/vendors~main.3f9a1c.chunk.js', false],
  ['javascript', '', 'https://shop.example.com/static/js/chunk-vendors.3f9a1c.js', false],
  ['javascript', '', 'https://shop.example.com/_next/static/chunks/framework-2c79e2a64abdb08b.js', false],
  ['javascript', '', 'chrome-extension://aapbdbdomjkkjkaonfhkkikfgjllcleb/content.js', false],
  ['javascript', '', 'safari-web-extension://E0E4-11ED/inject.js', false],
  ['javascript', '', '[native code]', false],
  ['javascript', '', 'webpack:///webpack/bootstrap', false],
  ['python', '', '/srv/app/shop/views.py', true],
  ['python', 'django.db.models.query', '/srv/venv/lib/python3.11/site-packages/django/db/models/query.py', false],
  ['python', '', '/usr/lib/python3/dist-packages/yaml/__init__.py', false],
  ['python', 'json', '/usr/lib/python3.12/json/__init__.py', false],
  ['python', '', 'C:\\Python311\\Lib\\json\\decoder.py', false],
  ['python', '', '<frozen runpy>', false],
  ['java', 'com.acme.shop.OrderService', 'OrderService.java', true],
  ['java', 'java.util.ArrayList', 'ArrayList.java', false],
  ['java', 'javax.servlet.http.HttpServlet', 'HttpServlet.java', false],
  ['java', 'jdk.internal.reflect.GeneratedMethodAccessor12', '', false],
  ['java', 'sun.nio.ch.NioSocketImpl', 'NioSocketImpl.java', false],
  ['java', 'kotlin.collections.CollectionsKt', 'Collections.kt', false],
  ['java', 'kotlinx.coroutines.DispatchedTask', 'DispatchedTask.kt', false],
  ['java', 'android.os.Handler', 'Handler.java', false],
  ['java', 'dalvik.system.NativeStart', '', false],
  ['java', 'org.junit.runners.ParentRunner', 'ParentRunner.java', false],
  ['java', 'org.springframework.web.servlet.FrameworkServlet', 'FrameworkServlet.java', false],
  ['go', 'main', '/app/main.go', true],
  ['go', 'github.com/acme/shop/internal/orders', '/src/internal/orders/service.go', true],
  ['go', 'shop/internal/orders', '/src/internal/orders/service.go', true],
  ['go', 'runtime', '/usr/local/go/src/runtime/panic.go', false],
  ['go', 'net/http', 'net/http/server.go', false],
  ['go', 'github.com/lib/pq', '/root/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go', false],
  ['go', 'golang.org/x/sync/errgroup', 'golang.org/x/sync@v0.6.0/errgroup/errgroup.go', false],
  ['go', 'github.com/acme/shop/vendor/x', '/src/vendor/github.com/x/x.go', false],
  ['dotnet', 'Acme.Shop.Orders.ShippingService', '/src/Acme.Shop/Orders/ShippingService.cs', true],
  ['dotnet', 'System.Linq.Enumerable', '', false],
  ['dotnet', 'Microsoft.AspNetCore.Routing.EndpointMiddleware', '', false],
  ['dotnet', 'Newtonsoft.Json.JsonSerializer', '', false],
];

describe('in-app detection', () => {
  it.each(cases)('%s frame %j %j → in-app %s', (platform, module, file, expected) => {
    expect(isInApp(platform, { function: 'f', module, file })).toBe(expected);
  });
});
