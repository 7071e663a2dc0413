import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`, as .ci/run does); OTELHOUSE_CHROMIUM overrides it. */
export const CHROMIUM = process.env.OTELHOUSE_CHROMIUM ?? '/usr/bin/chromium';

/** Real headless Chromium. Fails with how to install it when it is not there: browser tests never pass without a browser. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set OTELHOUSE_CHROMIUM`);
  // As users have it: Playwright turns the back/forward cache off by default.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'], ignoreDefaultArgs: ['--disable-back-forward-cache'] });
}

/** A static page server (one origin): every path answers `html`. */
export async function servePage(html: string, host = '127.0.0.1'): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
