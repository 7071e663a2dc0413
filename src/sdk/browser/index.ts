/**
 * The browser and worker SDK, full build: logs, errors and breadcrumbs, spans, network spans and
 * web vitals (see `runtime.ts` for what it does). `core.ts` is the same without the trace SDK,
 * network spans and web vitals.
 */
import type { Client, ConsentRequest, InitOptions, Level } from '../core/client.ts';
import { FULL } from './full.ts';
import { api, client, start } from './runtime.ts';

export type { Client, ConsentRequest, InitOptions, Level };

export const init = (options: InitOptions): Promise<Client> => start(options, FULL);
export const trace = <T>(name: string, fn: Parameters<Client['trace']>[1]): T => client().trace(name, fn) as T;
export const { log, captureException, addBreadcrumb, event, flush, shutdown, optOut, optIn, health } = api;
