/**
 * In-app detection: is a frame the application's own code, or a library or the runtime? Library
 * and runtime frames still count for grouping when no frame is in-app (Sentry's fallback), and
 * never become the culprit while an in-app frame exists.
 */
import type { Frame, Platform } from '../types.ts';

/** JavaScript files that are dependencies, the runtime, native code or browser extensions. */
const JS_LIBRARY =
  /(?:^|[/\\])node_modules[/\\]|^node:|^internal[/\\]|^(?:chrome|moz|safari(?:-web)?|ms-browser|edge)-extension:|^extensions::|^(?:chrome|resource):\/\/|^webkit-masked-url:|^\[native code\]$|^native$|^<anonymous>$|^evalmachine\.|^(?:webpack:\/\/\/?)?\(?webpack\)?\/(?:bootstrap|runtime)|[/\\](?:chunk-vendors|vendors?|polyfills|framework)(?:[.~-][\w.~-]*)?\.m?js$/;

/** Python files installed as packages or shipped with the interpreter. */
const PY_LIBRARY = /[/\\](?:site|dist)-packages[/\\]|[/\\]lib[/\\]python\d(?:\.\d+)?[/\\]|[/\\]Lib[/\\]|^<frozen |[/\\]pypy\d*[/\\]lib/;

/** JVM packages of the platform, the languages and widespread frameworks. */
const JVM_LIBRARY =
  /^(?:java|javax|jakarta|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|android|androidx|com\.android|dalvik|libcore|org\.junit|junit|org\.gradle|org\.springframework|org\.apache|org\.hibernate|org\.eclipse|org\.jboss|io\.netty|okhttp3|okio|retrofit2|reactor|io\.reactivex|rx|akka|com\.fasterxml|com\.google|org\.slf4j|ch\.qos\.logback|io\.grpc|io\.micronaut|io\.quarkus|io\.vertx|org\.postgresql|com\.mysql|com\.zaxxer|org\.mockito|io\.opentelemetry|io\.sentry|org\.jetbrains|org\.codehaus|_COROUTINE)\./;

/** Go's standard library: the first element of a package path without a dot (`net/http`, `runtime`). */
const GO_STD = new Set(
  'archive bufio builtin bytes cmp compress container context crypto database debug embed encoding errors expvar flag fmt go hash html image index internal io iter log maps math mime net os path plugin reflect regexp runtime slices sort strconv strings sync syscall testing text time unicode unique unsafe weak vendor'.split(' '),
);
/** Go files under GOROOT, in the module cache or vendored. */
const GO_LIBRARY_FILE = /\/usr\/(?:local\/)?(?:lib\/)?go[\w.-]*\/src\/|\/libexec\/src\/|\/sdk\/go[\d.]+\/src\/|\/hostedtoolcache\/go\/|(?:^|\/)pkg\/mod\/|@v\d|(?:^|\/)vendor\/|^\$GOROOT\//;

/** .NET namespaces of the runtime, the framework and widespread libraries. */
const DOTNET_LIBRARY =
  /^(?:System|Microsoft|Windows|Mono|Internal|Interop|Newtonsoft|Npgsql|Grpc|Google\.Protobuf|Polly|Dapper|StackExchange|MediatR|Serilog|NLog|Xunit|NUnit|Moq|Castle|AutoMapper|FluentValidation|Hangfire|MassTransit|RabbitMQ|Azure|Amazon|OpenTelemetry|Sentry)\.|^lambda_method\d*$/;

/** True when the frame is the application's own code on the given platform. */
export function isInApp(platform: Platform, frame: Pick<Frame, 'function' | 'module' | 'file'>): boolean {
  switch (platform) {
    case 'javascript':
    case 'node':
      return jsInApp(frame.file);
    case 'python':
      return frame.file !== '' && !PY_LIBRARY.test(frame.file);
    case 'java':
      return frame.module !== '' && !JVM_LIBRARY.test(frame.module);
    case 'go':
      return goInApp(frame.module, frame.file);
    case 'dotnet':
      return !DOTNET_LIBRARY.test(frame.module || frame.function);
    default:
      return frame.file !== '' || frame.module !== '';
  }
}

function jsInApp(file: string): boolean {
  if (file === '' || JS_LIBRARY.test(file)) return false;
  // Node's built-in modules before `node:` (`events.js:315`) have no directory at all.
  return /[/\\]/.test(file);
}

function goInApp(pkg: string, file: string): boolean {
  if (file !== '' && GO_LIBRARY_FILE.test(file)) return false;
  if (pkg === '' || pkg === 'main') return pkg === 'main' || file !== '';
  const slash = pkg.indexOf('/');
  const first = slash < 0 ? pkg : pkg.slice(0, slash);
  if (first === 'golang.org') return false;
  return first.includes('.') || !GO_STD.has(first);
}
