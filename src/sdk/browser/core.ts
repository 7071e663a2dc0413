/**
 * The browser and worker SDK, core build: logs, errors and breadcrumbs, delivery, persistence,
 * identity, without the trace SDK, network spans and web vitals. Otherwise the same as `index.ts`.
 */
import type { Client, ConsentRequest, InitOptions, Level } from '../core/client.ts';
import { api, start } from './runtime.ts';

export type { Client, ConsentRequest, InitOptions, Level };

export const init = (options: InitOptions): Promise<Client> => start(options);
export const { log, captureException, addBreadcrumb, event, flush, shutdown, optOut, optIn, health } = api;
