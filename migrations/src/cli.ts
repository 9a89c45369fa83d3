#!/usr/bin/env node
import { migrateUrl, type Direction } from './index';

// `pnpm migrate [latest|down|reset]` against DATABASE_URL. A CLI, not a service:
// it reads its one variable here and prints one line per migration, and each notice the
// migrations raise (such as which storage engine check_history got, and why).
const direction = (process.argv[2] ?? 'latest') as Direction;
const url = process.env.DATABASE_URL;

async function main(): Promise<void> {
  if (!['latest', 'down', 'reset'].includes(direction)) {
    throw new Error(`unknown direction "${direction}": use latest, down or reset`);
  }
  if (!url) throw new Error('DATABASE_URL is required (a postgres:// URL)');
  const { applied } = await migrateUrl(url, direction, {
    onNotice: (message) => process.stdout.write(`notice: ${message}\n`),
  });
  for (const m of applied)
    process.stdout.write(`${m.direction === 'Up' ? 'applied' : 'reverted'} ${m.name}\n`);
  process.stdout.write(
    applied.length === 0 ? 'nothing to do\n' : `${applied.length} migration(s) done\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
