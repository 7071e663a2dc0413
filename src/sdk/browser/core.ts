/**
 * The browser and worker SDK, core build: logs, delivery, persistence, identity, without the
 * trace SDK. Otherwise the same as `index.ts`.
 */
import type { Client, ConsentRequest, InitOptions, Level } from '../core/client.ts';
import { api, start } from './runtime.ts';

export type { Client, ConsentRequest, InitOptions, Level };

export const init = (options: InitOptions): Promise<Client> => start(options);
export const { log, captureException, flush, shutdown, optOut, optIn, health } = api;
