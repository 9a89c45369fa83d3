import { renderFields, renderNotices, truncate } from '../i18n';
import { postJson } from './http';
import type { ChannelConfig } from './index';
import type { AlertMessage, ChannelSender, RenderedMessage } from './types';

type SlackConfig = ChannelConfig<'slack'>;

/** Slack allows at most 10 fields in a section block. */
const MAX_FIELDS = 10;

/** Slack's mrkdwn needs only &, < and > escaped. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An incoming-webhook body: `text` for notifications and old clients, `blocks` for layout. */
export function slackPayload(
  message: AlertMessage,
  rendered: RenderedMessage,
): Record<string, unknown> {
  const notices = renderNotices(message);
  const fields = renderFields(message).slice(0, MAX_FIELDS);
  return {
    text: truncate(escapeMrkdwn(rendered.text), 3000),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: truncate(rendered.title, 150), emoji: true },
      },
      ...notices.map((notice) => ({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `_${escapeMrkdwn(notice)}_` }],
      })),
      {
        type: 'section',
        fields: fields.map((f) => ({
          type: 'mrkdwn',
          text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, 2000),
        })),
      },
    ],
  };
}

export const sendSlack: ChannelSender<SlackConfig> = (config, message, rendered, ctx) =>
  postJson(config.webhook_url, slackPayload(message, rendered), ctx);
