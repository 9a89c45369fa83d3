import {
  CHANNEL_TYPE_NAMES,
  LANGUAGES,
  type ChannelTypeName,
  type Language,
} from '@lighthouse/domain/channels';
import {
  TARGET_TYPE_NAMES,
  describeTarget as describeValidTarget,
  isTargetType,
  type TargetTypeName,
} from '@lighthouse/domain/targets';

// The target and channel types of the domain's registries: a client lists and describes them
// from here, so a new type reaches it with its registry line.
export { CHANNEL_TYPE_NAMES, LANGUAGES, TARGET_TYPE_NAMES, isTargetType };
export type { ChannelTypeName, Language, TargetTypeName };

/**
 * One line naming what a subscription checks, as alerts name it ("GET https://example.com/",
 * "tcp db.example.com:5432"), from the masked `target_config` the API answers with. Empty for a
 * type this build does not know, or a config it cannot read.
 */
export function describeTarget(type: string, config: Record<string, unknown>): string {
  if (!isTargetType(type)) return '';
  try {
    return describeValidTarget(type, config);
  } catch {
    return '';
  }
}
