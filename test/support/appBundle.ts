import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/** The repository root: where `otelhouse/...` resolves to this package itself. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppBundle {
  text: string;
  /** Minified, then gzip -9: how the SDK's weight is measured (and the anchors were). */
  gzipBytes: number;
  metafile: Metafile;
}

/**
 * `entry` (`otelhouse/sdk`, `otelhouse/sdk/core`, or several together) bundled as an app's bundler would: esbuild,
 * minified, ES2020, for browsers. From the repository (`resolveDir` left out) the package's
 * `otelhouse-source` condition resolves it to the TypeScript sources; from an app's directory with
 * the package installed, to its built JavaScript. `iife` puts the API on the global `otelhouse`.
 */
export async function appBundle(entry: string | string[], options: { resolveDir?: string; format?: 'esm' | 'iife' } = {}): Promise<AppBundle> {
  const fromRepo = options.resolveDir === undefined;
  const result = await build({
    stdin: { contents: [entry].flat().map((e) => `export * from '${e}';`).join('\n'), resolveDir: options.resolveDir ?? REPO_ROOT },
    bundle: true,
    minify: true,
    format: options.format ?? 'esm',
    ...(options.format === 'iife' ? { globalName: 'otelhouse' } : {}),
    target: 'es2020',
    platform: 'browser',
    write: false,
    metafile: true,
    ...(fromRepo ? { conditions: ['otelhouse-source', 'module'] } : {}),
  });
  const output = result.outputFiles[0]!;
  return { text: output.text, gzipBytes: gzipSync(output.contents, { level: 9 }).length, metafile: result.metafile };
}
