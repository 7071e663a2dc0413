/**
 * The browser and worker SDK, full build: logs and spans (see `runtime.ts` for what it does).
 * `core.ts` is the same without the trace SDK.
 */
import type { Client, ConsentRequest, InitOptions, Level } from '../core/client.ts';
import { otelTracing } from '../core/tracing.ts';
import { api, client, start } from './runtime.ts';

export type { Client, ConsentRequest, InitOptions, Level };

export const init = (options: InitOptions): Promise<Client> => start(options, otelTracing);
export const trace = <T>(name: string, fn: Parameters<Client['trace']>[1]): T => client().trace(name, fn) as T;
export const { log, captureException, flush, shutdown, optOut, optIn, health } = api;
