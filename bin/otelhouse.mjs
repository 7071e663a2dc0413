#!/usr/bin/env node
// `npx otelhouse <command>`: the CLI (src/cli/main.ts), run through tsx as `npm start` runs the gateway.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
const { loadConfig } = await import('../src/config/load.ts');
process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  tty: process.stderr.isTTY === true,
  configuredCatalog: () => (process.env.OTELHOUSE_CONFIG ? loadConfig(process.env).catalog.files : []),
});
