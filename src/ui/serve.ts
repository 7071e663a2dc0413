import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `scripts/build-ui.ts` writes the console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/**
 * Serves the admin console at `/ui/` on the gateway's own port: static files built by
 * `scripts/build-ui.ts` (at `npm install` and `npm start`), under a strict Content Security Policy
 * (scripts and styles of the console only, requests to this origin only, never framed). The
 * console reaches the gateway through the documented `/api/` only, with the operator's admin token.
 */
export async function registerConsole(app: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/', 308));
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/ui/*', { schema: { hide: true } }, (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The admin console is not built: run `npm run build:ui` (npm install and npm start build it when esbuild and Preact are installed).\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/ui/',
    index: 'index.html',
    wildcard: true,
    // The page is small and names its versioned script and styles: always revalidated; they are immutable.
    setHeaders: (reply, path) => {
      reply.header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
}
