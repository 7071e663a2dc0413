/**
 * `otelhouse sourcemaps upload <build-dir> --release <r>`: finds the source maps of a build the way
 * `sentry-cli sourcemaps upload` does — each JavaScript file's `//# sourceMappingURL=` (a file next
 * to it, or an inline `data:` map), else a `<file>.map` beside it — and uploads each under the URL
 * its stack frames will name (`~/` + its path in the build, or `--url-prefix`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface FoundMap {
  /** The minified file's URL as stack frames name it (`~/static/js/app.min.js`). */
  fileUrl: string;
  /** Where the map came from, for messages. */
  source: string;
  map: string;
}

const SCRIPT = /\.(?:m|c)?js$/;
const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;

/** The maps of the scripts under `dir`, in path order; scripts without one are skipped. */
export function findSourceMaps(dir: string, urlPrefix = '~'): FoundMap[] {
  const root = resolve(dir);
  const found: FoundMap[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules') walk(path);
        continue;
      }
      if (!SCRIPT.test(name)) continue;
      const tail = readFileSync(path, 'utf8').slice(-4096).trimEnd().split('\n').at(-1) ?? '';
      const url = MAPPING_URL.exec(tail)?.[1];
      let map: string | undefined;
      let source = '';
      if (url?.startsWith('data:')) {
        const comma = url.indexOf(',');
        map = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(url.slice(comma + 1), 'base64').toString('utf8') : decodeURIComponent(url.slice(comma + 1));
        source = `${relative(root, path)} (inline)`;
      } else {
        const mapPath = url ? resolve(dirname(path), decodeURIComponent(url.split(/[?#]/)[0]!)) : `${path}.map`;
        if (existsSync(mapPath)) {
          map = readFileSync(mapPath, 'utf8');
          source = relative(root, mapPath);
        }
      }
      if (map !== undefined) found.push({ fileUrl: `${urlPrefix.replace(/\/+$/, '')}/${relative(root, path).split(sep).join('/')}`, source, map });
    }
  };
  walk(root);
  return found;
}

/** A one-line progress bar: `[#######-----------] 7/18 static/js/app.js`. */
export function progressBar(done: number, total: number, label: string, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
}
