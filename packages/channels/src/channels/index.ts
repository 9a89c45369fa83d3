import type { ChannelTypeName, channelTypes } from '@lighthouse/domain';
import type { z } from 'zod';
import { sendDiscord } from './discord';
import { createSmtpPools, sendEmail } from './email';
import { createChannelAgents } from './http';
import { sendSlack } from './slack';
import { sendTelegram } from './telegram';
import type {
  AlertMessage,
  ChannelContext,
  ChannelSender,
  ChannelTransports,
  RenderedMessage,
  SendOutcome,
} from './types';
import { sendWebhook } from './webhook';

export type * from './types';

/** A channel's config as the API validated it. */
export type ChannelConfig<T extends ChannelTypeName> = z.infer<(typeof channelTypes)[T]['schema']>;

/** One line per channel type (the same keys as the domain's `channelTypes`). */
export const channelSenders: { [T in ChannelTypeName]: ChannelSender<ChannelConfig<T>> } = {
  webhook: sendWebhook,
  discord: sendDiscord,
  slack: sendSlack,
  telegram: sendTelegram,
  email: sendEmail,
};

/** Sends one rendered message on one channel; the config was validated when it was stored. */
export function sendToChannel(
  type: ChannelTypeName,
  config: unknown,
  message: AlertMessage,
  rendered: RenderedMessage,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const send = channelSenders[type] as ChannelSender<unknown>;
  return send(config, message, rendered, ctx);
}

/** Pooled HTTP agents and SMTP connections, opened on first use. */
export function createChannelTransports(): ChannelTransports {
  return { http: createChannelAgents(), smtp: createSmtpPools() };
}

/** Closes a context's pooled HTTP sockets and SMTP connections: once, after its last send. */
export async function closeChannels(ctx: Pick<ChannelContext, 'transports'>): Promise<void> {
  ctx.transports.smtp.close();
  await ctx.transports.http.close();
}
