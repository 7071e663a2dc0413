import { z } from 'zod';

import { autoTriggersSchema } from './triggers/config.ts';

const positiveInt = z.coerce.number().int().positive();

/** Debug sessions and collection policies: how often instances re-read them, and limits (`control`). */
export const controlConfigSchema = z.strictObject({
  /** How often each instance re-reads sessions and policies from ClickHouse. Default 2000. */
  refreshMs: positiveInt.default(2_000),
  /** How often session stats counted here are added to ClickHouse. Default 5000. */
  statsFlushMs: positiveInt.default(5_000),
  /** Debug sessions each admin token may create per hour. Default 10. */
  sessionCreatesPerHour: positiveInt.default(10),
  /** Rules that open a debug session for a client that keeps hitting one issue (`src/control/triggers/config.ts`). */
  autoTriggers: autoTriggersSchema,
});

export type ControlConfig = z.infer<typeof controlConfigSchema>;
