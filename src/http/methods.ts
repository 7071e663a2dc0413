import type { FastifyInstance } from 'fastify';

/**
 * The methods each registered path takes, so a request with the wrong method is answered 405 with
 * `Allow` instead of fastify's 404 (its router matches method and path together).
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  /** Starts recording the routes `app` registers from now on. */
  static of(app: FastifyInstance): RouteMethods {
    const methods = new RouteMethods();
    app.addHook('onRoute', (route) => methods.add(route.url, route.method));
    return methods;
  }

  add(url: string, method: string | string[]): void {
    // `:param` matches one segment and `*` the rest, as fastify's router matches them.
    const source = url.split(/(:[^/]+|\*)/).map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    let route = this.routes.find((r) => r.pattern.source === `^${source}$`);
    if (!route) this.routes.push((route = { pattern: new RegExp(`^${source}$`), methods: new Set() }));
    for (const m of [method].flat()) route.methods.add(m);
  }

  /** The methods some route takes at `path` (decoded, without the query), sorted; empty when no route has the path. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) route.methods.forEach((m) => out.add(m));
    return [...out].sort();
  }
}
