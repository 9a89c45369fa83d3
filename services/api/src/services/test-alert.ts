import {
  channelContext,
  closeChannels,
  render,
  sendToChannel,
  type AlertMessage,
} from '@lighthouse/channels';
import type { TestAlertResult } from '@lighthouse/contracts';
import { describeTarget, isChannelType, isTargetType } from '@lighthouse/domain';
import type { Subscription } from '@lighthouse/db';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context';

/**
 * Sends a test message to each of a subscription's channels, now, from the api,
 * and says how each went. Nothing is recorded as an alert: it proves the wiring.
 * The message is a 'test' (event 'subscription.test'), never a state change: it names
 * the current state and says that nothing has changed.
 */
export async function sendTestAlerts(
  ctx: AppContext,
  subscription: Subscription,
  ownerLanguage: string,
): Promise<TestAlertResult[]> {
  const { state } = subscription;
  // Test alerts are rare: their connections are opened for this one and closed after it.
  const settings = channelContext(ctx.config);
  const sent = Promise.all(
    subscription.alert_channels.map(async (channel): Promise<TestAlertResult> => {
      if (!isChannelType(channel.type))
        return {
          channel_id: channel.id,
          type: channel.type,
          ok: false,
          error: 'unknown channel type',
        };
      const language = (channel.language ?? ownerLanguage) === 'es' ? 'es' : 'en';
      const message: AlertMessage = {
        event_id: randomUUID(),
        event: 'subscription.test',
        kind: 'test',
        subscription_id: subscription.id,
        name: subscription.name,
        target: isTargetType(subscription.target_type)
          ? describeTarget(subscription.target_type, subscription.target_config)
          : subscription.target_type,
        from_state: state,
        to_state: state,
        check: {
          time: new Date().toISOString(),
          status: state,
          http_status: null,
          response_time_ms: null,
          error: null,
          error_category: null,
        },
        downtime_ms: null,
        language,
      };
      const outcome = await sendToChannel(
        channel.type,
        ctx.secrets.openJson(channel.secret),
        message,
        render(message),
        settings,
      );
      return {
        channel_id: channel.id,
        type: channel.type,
        ok: outcome.ok,
        error: outcome.ok ? null : outcome.error,
      };
    }),
  );
  return sent.finally(() => closeChannels(settings));
}
