/**
 * Builds the admin console (`src/ui/app`, Preact) into `dist/ui/`: `index.html`, `app.js`
 * (minified, for browsers of the last few years) and `app.css`, versioned by their content so a
 * browser never mixes an old script with a new page. Run by `npm run build:ui`, by npm at
 * `prepare` (so `npm install` builds it), and by `npm start` when the sources are newer than the
 * build (`--if-stale`). esbuild and Preact are development dependencies: a clone has them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/ui');
const out = join(root, 'dist/ui');

/** The newest modification time under `dir`, ms. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

export async function buildConsole(): Promise<{ jsBytes: number; cssBytes: number }> {
  const { build } = await import('esbuild');
  const common = { bundle: true, minify: true, write: false, target: 'es2020', legalComments: 'none' } as const;
  const [js, css] = await Promise.all([
    build({ ...common, entryPoints: [join(src, 'app/main.tsx')], format: 'iife', platform: 'browser', jsx: 'automatic', jsxImportSource: 'preact', outfile: join(out, 'app.js') }),
    build({ ...common, entryPoints: [join(src, 'app/styles.css')], outfile: join(out, 'app.css') }),
  ]);
  const jsText = js.outputFiles[0]!.contents;
  const cssText = css.outputFiles[0]!.contents;
  const version = createHash('sha256').update(jsText).update(cssText).digest('hex').slice(0, 12);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'app.js'), jsText);
  writeFileSync(join(out, 'app.css'), cssText);
  // The page last: a server reading `dist/ui` never serves a page whose script is not there yet.
  writeFileSync(join(out, 'index.html'), readFileSync(join(src, 'index.html'), 'utf8').replaceAll('__VERSION__', version));
  return { jsBytes: jsText.length, cssBytes: cssText.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  const page = join(out, 'index.html');
  if (ifStale && existsSync(page) && statSync(page).mtimeMs >= newest(src)) process.exit(0);
  try {
    const { jsBytes, cssBytes } = await buildConsole();
    // On stderr: `npm pack --json` runs this at `prepare`, and its stdout is JSON.
    console.error(`admin console: dist/ui (app.js ${(jsBytes / 1024).toFixed(1)} KiB, app.css ${(cssBytes / 1024).toFixed(1)} KiB)`);
  } catch (err) {
    // `npm start` without development dependencies: the gateway runs, and /ui/ says how to build the console.
    if (!ifStale) throw err;
    console.warn(`admin console not built (${(err as Error).message.split('\n')[0]}); run npm run build:ui`);
  }
}
