import { createDb } from '@lighthouse/db';
import { loadCliConfig } from './config';
import { issueOwnerLink, LINK_TTL_HOURS } from './services/owner';

// The api's commands, run beside it with the same environment:
//
//   node services/api/dist/cli.js sign-in-link   a fresh one-time sign-in link for the owner
//
// (./lighthouse admin-link runs the first; in compose, `docker compose exec api node
// services/api/dist/cli.js sign-in-link`).

async function main(command: string | undefined): Promise<void> {
  if (command !== 'sign-in-link') {
    process.stderr.write('usage: node services/api/dist/cli.js sign-in-link\n');
    process.exitCode = 2;
    return;
  }
  const config = loadCliConfig();
  const db = createDb({ url: config.DATABASE_URL, max: 1, applicationName: 'lighthouse-cli' });
  try {
    const { url } = await issueOwnerLink(db, config);
    process.stdout.write(
      `Sign in: ${url}\n(one use, valid for ${LINK_TTL_HOURS} hours; open it in your browser)\n`,
    );
  } finally {
    await db.destroy();
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`lighthouse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
