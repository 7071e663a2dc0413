/**
 * The script-tag build (`otelhouse.min.js`, the global `otelhouse`): the full build with
 * client-side redaction on unless `init` is given `redaction: false`.
 */
import type { Client, InitOptions } from '../core/client.ts';
import { otelTracing } from '../core/tracing.ts';
import { redaction } from '../redaction/index.ts';
import { start } from './runtime.ts';

export * from './index.ts';
export { redaction };

export const init = (options: InitOptions): Promise<Client> => start({ ...options, redaction: options.redaction ?? redaction() }, otelTracing);
