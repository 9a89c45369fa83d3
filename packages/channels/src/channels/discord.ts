import { kindOf, renderFields, renderNotices, truncate, type MessageField } from '../i18n';
import { postJson } from './http';
import type { ChannelConfig } from './index';
import type { AlertMessage, ChannelSender, RenderedMessage } from './types';

type DiscordConfig = ChannelConfig<'discord'>;

const COLOURS: Partial<Record<string, number>> = {
  down: 0xe74c3c, // red
  up: 0x2ecc71, // green
  degraded: 0xf39c12, // amber
};
const GREY = 0x95a5a6;
/** Flapping is not a state: it gets its own colour. */
const PURPLE = 0x9b59b6;
/** Nor is the end of a paid period: amber while it is ahead, red once it has passed. */
const EXPIRING = 0xf39c12;
const EXPIRED = 0xe74c3c;
/** Nor is a test: blue, the colour of no state. */
const TEST = 0x3498db;
/** Lines shown as embed fields; the others (but the time, which is the embed's timestamp) go into the description. */
const EMBED_FIELDS = new Set<MessageField['key']>(['target', 'error', 'downtime', 'downFor']);
/** Embed fields short enough to sit side by side. */
const INLINE_FIELDS = new Set<MessageField['key']>(['downtime', 'downFor']);

/** An execute-webhook body: one embed, and no mentions parsed from anything in it. */
export function discordPayload(
  message: AlertMessage,
  rendered: RenderedMessage,
): Record<string, unknown> {
  const fields = renderFields(message);
  const description = [
    ...renderNotices(message).map((notice) => `*${notice}*`),
    ...fields
      .filter((f) => !EMBED_FIELDS.has(f.key) && f.key !== 'time')
      .map((f) => `**${f.label}:** ${f.value}`),
  ].join('\n');
  const timestamp = new Date(message.check.time);
  return {
    username: 'Lighthouse',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: truncate(rendered.title, 256),
        description: truncate(description, 4096),
        color: colourOf(message),
        fields: fields
          .filter((f) => EMBED_FIELDS.has(f.key))
          .map((f) => ({
            name: truncate(f.label, 256),
            value: truncate(f.value, 1024),
            inline: INLINE_FIELDS.has(f.key),
          })),
        ...(Number.isNaN(timestamp.getTime()) ? {} : { timestamp: timestamp.toISOString() }),
      },
    ],
  };
}

function colourOf(message: AlertMessage): number {
  switch (kindOf(message)) {
    case 'flapping':
      return PURPLE;
    case 'expiring':
      return (message.expiry?.days_left ?? 0) > 0 ? EXPIRING : EXPIRED;
    case 'test':
      return TEST;
    case 'transition':
    case 'reminder':
    case 'stable':
      return COLOURS[message.to_state] ?? GREY;
  }
}

export const sendDiscord: ChannelSender<DiscordConfig> = (config, message, rendered, ctx) =>
  postJson(config.webhook_url, discordPayload(message, rendered), ctx);
