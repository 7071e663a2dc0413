/**
 * Builds the client SDK for plain JavaScript (run by `npm run build:sdk`, and by npm itself at
 * `prepare`, so a clone, a git dependency and a packed tarball all have it):
 *
 * - `dist/sdk/browser.js`, `core.js`, `node.js`: ES modules for apps' bundlers and for Node, with
 *   the OpenTelemetry packages left as imports (an app that has them shares one copy);
 * - `dist/sdk/redaction.js`: client-side redaction (the gateway's rule engine), for any of them;
 * - `dist/sdk/otelhouse.min.js`: the full build in one minified script for a `<script>` tag, the
 *   API on the global `otelhouse`; `otelhouse-redacting.min.js` the same with client-side
 *   redaction on;
 * - `dist/types/**`: declarations, so TypeScript apps see the same API.
 *
 * The package's `exports` name these files; inside this repository the `otelhouse-source`
 * condition resolves the same entry points to the TypeScript sources instead.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const entry = (path: string) => join(root, 'src/sdk', path);

// Only what this script writes: `dist/ui` is the admin console's (`scripts/build-ui.ts`).
for (const dir of ['sdk', 'types']) rmSync(join(out, dir), { recursive: true, force: true });
const modules: BuildOptions = { bundle: true, format: 'esm', packages: 'external', sourcemap: true, legalComments: 'none' };
/** One minified script for a `<script>` tag, the API on the global `otelhouse`. */
const script: BuildOptions = { bundle: true, minify: true, format: 'iife', globalName: 'otelhouse', platform: 'browser', target: 'es2020', sourcemap: true, legalComments: 'linked' };
await Promise.all([
  build({ ...modules, entryPoints: [entry('browser/index.ts')], outfile: join(out, 'sdk/browser.js'), platform: 'browser', target: 'es2020' }),
  build({ ...modules, entryPoints: [entry('browser/core.ts')], outfile: join(out, 'sdk/core.js'), platform: 'browser', target: 'es2020' }),
  build({ ...modules, entryPoints: [entry('node/index.ts')], outfile: join(out, 'sdk/node.js'), platform: 'node', target: 'node20' }),
  build({ ...modules, entryPoints: [entry('redaction/index.ts')], outfile: join(out, 'sdk/redaction.js'), platform: 'neutral', target: 'es2020' }),
  build({ ...script, entryPoints: [entry('browser/index.ts')], outfile: join(out, 'sdk/otelhouse.min.js') }),
  build({ ...script, entryPoints: [entry('browser/script.ts')], outfile: join(out, 'sdk/otelhouse-redacting.min.js') }),
]);

// Declarations from the sources; their relative imports name `.ts` files, which declaration
// files must name as the `.js` they stand beside.
const tsc = join(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.sdk.json')], { stdio: 'inherit' });
for (const file of readdirSync(join(out, 'types'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = join(out, 'types', file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+'\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
}
