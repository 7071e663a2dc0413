/**
 * The redacting script-tag build (`otelhouse-redacting.min.js`, the global `otelhouse`): the full
 * build with client-side redaction on unless `init` is given `redaction: false`.
 */
import type { Client, InitOptions } from '../core/client.ts';
import { redaction } from '../redaction/index.ts';
import { FULL } from './full.ts';
import { start } from './runtime.ts';

export * from './index.ts';
export { redaction };

export const init = (options: InitOptions): Promise<Client> => start({ ...options, redaction: options.redaction ?? redaction() }, FULL);
