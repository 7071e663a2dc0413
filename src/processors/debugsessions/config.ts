import { z } from 'zod';

/**
 * Options of the `debugsessions` processor: the gate between redaction and sampling that applies
 * debug sessions and collection policies to what clients send.
 */
export const debugSessionsConfigSchema = z.strictObject({
  /**
   * Hold every client to its effective policy: drop everything from a client whose telemetry is
   * off (kill switch) and logs below its minimum level (INFO unless a policy says otherwise).
   * Default true. When false only debug sessions are applied (tagging, exemption, session level).
   */
  enforcePolicies: z.boolean().default(true),
  /**
   * Attribute set to 1 on each record a debug session keeps, exempting it from sampling: the
   * `sampling` processor keeps records whose `sampling.priority` is > 0.
   */
  exemptAttribute: z.string().min(1).default('sampling.priority'),
});

export type DebugSessionsConfig = z.infer<typeof debugSessionsConfigSchema>;
