import { env, targetAccessOf } from '@lighthouse/shared';
import { z } from 'zod';
import { createChannelTransports } from './channels';
import type { ChannelContext } from './channels/types';

/**
 * The environment every service that sends on channels reads (alerter, and the
 * api for test alerts): spread into its config schema.
 */
export const channelSettingsShape = {
  /** per request to a channel */
  CHANNEL_TIMEOUT_MS: env.int(10_000, 100, 120_000),
  TELEGRAM_API_BASE: z.url({ error: 'must be a URL' }).default('https://api.telegram.org'),
  /** smtp://user:pass@host:587 or smtps://…; email channels fail without it */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Lighthouse <alerts@localhost>'),
};

export type ChannelSettings = z.output<z.ZodObject<typeof channelSettingsShape>>;

/**
 * The channels' context from their settings and the mode's SSRF policy (modeShape), with pooled
 * connections of its own: build it once where sends start (main.ts) and close it with
 * `closeChannels` after the last send.
 */
export function channelContext(
  settings: ChannelSettings & Parameters<typeof targetAccessOf>[0],
): Omit<ChannelContext, 'signal'> {
  return {
    timeoutMs: settings.CHANNEL_TIMEOUT_MS,
    targetAccess: targetAccessOf(settings),
    telegramApiBase: settings.TELEGRAM_API_BASE,
    smtp: { url: settings.SMTP_URL ?? null, from: settings.SMTP_FROM },
    transports: createChannelTransports(),
  };
}
