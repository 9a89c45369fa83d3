#!/usr/bin/env node
// The command's entry point, in the repository (pnpm links it at install, before the build): it
// runs the built verifier, or says how to build it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(
    'lighthouse-verify: not built yet; run `pnpm build` (or ./lighthouse start) first\n',
  );
  process.exit(2);
}
require(cli);
