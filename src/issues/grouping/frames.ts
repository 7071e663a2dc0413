/**
 * What a frame contributes to a fingerprint: its module (or, without one, its file reduced to a
 * stable basename) and its function name with generated parts normalized. Never a line or a
 * column, never a release-specific path, so the same code groups the same in every release.
 */
import type { Frame, Platform } from '../types.ts';

/** A frame's grouping key, `location|function`; `''` when the frame contributes nothing. */
export function frameKey(frame: Frame, platform: Platform): string {
  const { module, function: fn } = frame;
  if (platform === 'java' && /\$\$Lambda\b/.test(module)) return ''; // synthetic lambda classes (Sentry ignores them)
  const where = module !== '' ? normalizeModule(module, platform) : fileKey(frame.file);
  const name = normalizeFunction(fn, platform, frame.file);
  return where === '' && name === '' ? '' : `${where}|${name}`;
}

/** Java/.NET/Go generated class and closure names, with their numbers or hashes replaced. */
const GENERATED: readonly [RegExp, string][] = [
  [/\$\$(EnhancerBy\w*CGLIB|FastClassBy\w*CGLIB|SpringCGLIB)\$\$\w+/g, '$$$$$1'],
  [/\$HibernateProxy\$\w+/g, '$HibernateProxy'],
  [/\$(ByteBuddy|MockitoMock)\$\w+/g, '$$$1'],
  [/_\$\$_jvst\w+/g, '_$$$$_jvst'],
  [/\bGenerated(\w*)Accessor\d+/g, 'Generated$1Accessor'],
  [/\$Proxy\d+/g, '$Proxy'],
  [/<>c__DisplayClass\d+_\d+/g, '<>c__DisplayClass'],
  [/>d__\d+/g, '>d__'],
  [/>b__\d+(?:_\d+)?/g, '>b__'],
  [/>g__(\w+)\|\d+_\d+/g, '>g__$1'],
  [/\blambda_method\d+/g, 'lambda_method'],
];

function normalizeModule(module: string, platform: Platform): string {
  let out = module;
  if (platform === 'java' || platform === 'dotnet') for (const [re, to] of GENERATED) out = out.replace(re, to);
  return out;
}

function normalizeFunction(fn: string, platform: Platform, file: string): string {
  switch (platform) {
    case 'javascript':
    case 'node':
      return jsFunction(fn, file);
    case 'java':
      // javac's lambda$<method>$<n> and access$<n>; Kotlin's lambdas (<fn>$lambda$<n>, <fn>$lambda-<n> before 2.0), nested ones too: numbered in source order.
      return fn
        .replace(/^lambda\$(.*?)\$\d+$/, 'lambda$$$1')
        .replace(/^access\$\d+$/, 'access$$')
        .replace(/\$lambda([$-])\d+/g, '$$lambda$1');
    case 'go':
      // Closures are numbered in source order (`Place.func1.2`); an edit above them renumbers them.
      return fn.replace(/\.(func|gowrap|deferwrap)\d+(?:\.\d+)*/g, '.$1');
    case 'dotnet': {
      let out = fn;
      for (const [re, to] of GENERATED) out = out.replace(re, to);
      return out;
    }
    default:
      return fn;
  }
}

const JS_ANONYMOUS = /^(?:<anonymous>|anonymous|\?|eval|global code|module code|eval code|Anonymous function)$/;

/**
 * Sentry's JavaScript rules: prefixes (`new`, `async`, `Object.`/`Module.` receivers) go, the
 * name is trimmed to its last `.` segment, anonymous names are dropped, and so are 1–2 letter
 * names from minified bundles (they change with every build).
 */
function jsFunction(fn: string, file: string): string {
  // `async ` (V8) and `async*` (Firefox) mark an await boundary; `asyncPool` is a name.
  let name = fn.replace(/ \[as [^\]]*\]$/, '').replace(/^(?:new |async[ *])/, '');
  // Firefox nests names: `outer/inner`, and `outer/<` for an anonymous function inside `outer`
  // (which V8 prints without a name, so both read as anonymous).
  if (/\/<+$/.test(name)) return '';
  name = name.slice(name.lastIndexOf('/') + 1);
  // The last `.` segment; `Object.<anonymous>` leaves `<anonymous>`.
  name = name.slice(name.lastIndexOf('.') + 1);
  if (JS_ANONYMOUS.test(name)) return '';
  if (name.length <= 2 && isMinified(file)) return '';
  return name;
}

function isMinified(file: string): boolean {
  const base = basename(file).toLowerCase();
  return base.includes('.min.') || fileKey(file) !== base;
}

/**
 * A file path reduced to what survives a new release: the lowercased basename without query,
 * fragment, content hash (`app.3f9a1c.js`, `index-BvQ3xk1a.js`) or numeric chunk id.
 */
export function fileKey(file: string): string {
  const base = basename(file);
  const m = /^(.+?)((?:\.(?:chunk|bundle|min|module))*\.(?:m?js|cjs|jsx|css))$/i.exec(base);
  if (!m) return base.toLowerCase();
  let stem = m[1]
    .replace(/[.~-](?=[0-9a-f]*\d)[0-9a-f]{5,}$/i, '')
    // Vite/Rollup: 8 base64url characters holding a digit or an inner capital.
    .replace(/[.-](?=[\w-]*?\d|[\w-]+[A-Z])[\w-]{8}$/, '');
  if (/^\d+$/.test(stem)) stem = '<chunk>';
  return (stem + m[2]).toLowerCase();
}

function basename(file: string): string {
  const cut = file.search(/[?#]/);
  const path = cut > 0 ? file.slice(0, cut) : file;
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash >= 0 ? path.slice(slash + 1) : path;
}
