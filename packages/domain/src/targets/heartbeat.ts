import { z } from 'zod';

/**
 * A push check: cron jobs and workers call the subscription's secret push URL. A ping is
 * expected within every `check_frequency_seconds`; `grace_seconds` more are allowed before
 * the subscription counts as down. The push token is not part of the config (only its hash
 * is stored, in its own table), so there is nothing here to mask.
 */
export const heartbeatTargetSchema = z.strictObject({
  grace_seconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0-86400 (one day)')
    .max(86_400, 'must be 0-86400 (one day)')
    .default(60),
});

export type HeartbeatTarget = z.output<typeof heartbeatTargetSchema>;

export function maskHeartbeatTarget(target: HeartbeatTarget): HeartbeatTarget {
  return { ...target };
}

export function describeHeartbeatTarget(target: HeartbeatTarget): string {
  return `heartbeat (grace ${target.grace_seconds} s)`;
}
