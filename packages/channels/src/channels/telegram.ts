import { escapeHtml, truncate } from '../i18n';
import { postJson } from './http';
import type { ChannelConfig } from './index';
import type { ChannelSender, RenderedMessage } from './types';

type TelegramConfig = ChannelConfig<'telegram'>;

/** Telegram's limit on a message's text. */
const MAX_TEXT_CHARS = 4096;

/**
 * The message as Telegram HTML (which knows <b> but not <p> or <br>): the title in bold, the
 * other lines as escaped text.
 */
export function telegramText(rendered: RenderedMessage): string {
  const newline = rendered.text.indexOf('\n');
  const [first, rest] =
    newline === -1
      ? [rendered.text, '']
      : [rendered.text.slice(0, newline), rendered.text.slice(newline)];
  // Cut the plain text, not the markup, so that no entity or tag is cut in half.
  return `<b>${escapeHtml(first)}</b>${escapeHtml(truncate(rest, MAX_TEXT_CHARS - first.length - 200))}`;
}

/** `sendMessage` of the Bot API; the token (in the path) never appears in an outcome. */
export const sendTelegram: ChannelSender<TelegramConfig> = (config, _message, rendered, ctx) => {
  const base = ctx.telegramApiBase.replace(/\/+$/, '');
  return postJson(
    `${base}/bot${config.bot_token}/sendMessage`,
    {
      chat_id: config.chat_id,
      text: telegramText(rendered),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    },
    ctx,
    { secrets: [config.bot_token] },
  );
};
