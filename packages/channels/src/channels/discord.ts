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
const EMBED_FIELDS = new Set<MessageField['key']>([
  'target',
  'error',
  'regions',
  'downtime',
  'downFor',
]);
/** Embed fields short enough to sit side by side. */
const INLINE_FIELDS = new Set<MessageField['key']>(['downtime', 'downFor']);

/** What Discord's Markdown reads: emphasis, code, spoilers, quotes, headings, links, mentions. */
const MARKDOWN = /[\\*_~`|<>[\]#@]/g;
/** A URL Discord links as it stands, Markdown characters included: left whole. */
const LINK = /https?:\/\/[^\s<]+/g;

/**
 * Text from outside (names, targets, errors a monitored server chose) shown as it is in an
 * embed: Markdown characters backslash-escaped, so no masked link (`[click](https://…)`),
 * formatting, mention or timestamp is planted; list and heading marks at a line's start too.
 * A URL is left whole: Discord shows it as written.
 */
export function escapeDiscordMarkdown(text: string): string {
  let out = '';
  let last = 0;
  for (const link of text.matchAll(LINK)) {
    out += text.slice(last, link.index).replace(MARKDOWN, '\\$&') + link[0];
    last = link.index + link[0].length;
  }
  out += text.slice(last).replace(MARKDOWN, '\\$&');
  return out
    .replace(/^([ \t]*)([-+])(?=\s)/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)\.(?=\s)/gm, '$1\\.');
}

/**
 * An execute-webhook body: one embed, every text from outside escaped, and no mentions parsed
 * from anything in it.
 */
export function discordPayload(
  message: AlertMessage,
  rendered: RenderedMessage,
): Record<string, unknown> {
  const fields = renderFields(message);
  const description = [
    ...renderNotices(message).map((notice) => `*${escapeDiscordMarkdown(notice)}*`),
    ...fields
      .filter((f) => !EMBED_FIELDS.has(f.key) && f.key !== 'time')
      .map((f) => `**${f.label}:** ${escapeDiscordMarkdown(f.value)}`),
  ].join('\n');
  const timestamp = new Date(message.check.time);
  return {
    username: 'Lighthouse',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: truncate(escapeDiscordMarkdown(rendered.title), 256),
        description: truncate(description, 4096),
        color: colourOf(message),
        fields: fields
          .filter((f) => EMBED_FIELDS.has(f.key))
          .map((f) => ({
            name: truncate(f.label, 256),
            value: truncate(escapeDiscordMarkdown(f.value), 1024),
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
