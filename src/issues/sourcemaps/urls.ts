/**
 * How a frame's file URL finds its uploaded map, and how a map's source names become the file
 * paths shown in symbolicated frames.
 */

/**
 * The `FileUrl` values that can serve a frame's file, best first: the URL as written, then
 * without query and fragment, then Sentry's `~/path` form, where `~` stands for any scheme and
 * host (`https://cdn.example.com/static/js/app.min.js?v=3` → `~/static/js/app.min.js`).
 */
export function candidateFileUrls(fileUrl: string): string[] {
  const bare = fileUrl.replace(/[?#].*$/s, '');
  const candidates = [fileUrl, bare];
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)$/is.exec(bare)?.[1] ?? (bare.startsWith('/') ? bare : undefined);
  if (path !== undefined) candidates.push(`~${path}`);
  return [...new Set(candidates)].filter((c) => c !== '');
}

/**
 * A map's source name as a project-relative path: bundler prefixes (`webpack://app/`,
 * `webpack:///`) and leading `./` / `../` segments removed, so `webpack://shop/./src/cart.ts`
 * becomes `src/cart.ts`. Absolute paths and other URLs are kept.
 */
export function originalFilePath(source: string): string {
  return source
    .replace(/^webpack:\/\/[^/]*\//, '')
    .replace(/^(?:\.{1,2}\/)+/, '');
}

/** False for dependency and bundler-runtime sources (`node_modules/`, `webpack/bootstrap`, `(webpack)/…`). */
export function isInAppSource(path: string): boolean {
  return !/(^|\/)node_modules\//.test(path) && !/^(webpack|\(webpack\))\//.test(path);
}
