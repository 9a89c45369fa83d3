import { z } from 'zod';

const schema = z.object({
  /** deploy-anchor: the key that deploys (and then alone may anchor) */
  ANCHOR_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
    .optional(),
});

export type CliConfig = z.output<typeof schema>;

/** The command line's environment: only deploy-anchor reads one setting. */
export function loadCliConfig(source: NodeJS.ProcessEnv = process.env): CliConfig {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
