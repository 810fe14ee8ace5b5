// `casterpakd`'s commands, loaded by main.ts once it has checked the Node.js version. Each command lives in commands/ and stays thin.

import { Command } from 'commander';
import { isCasterpakError } from '../errors.js';
import { packageVersion } from '../package-root.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerInvalidate } from './commands/invalidate.js';
import { registerLs } from './commands/ls.js';
import { registerNginxConfig } from './commands/nginx-config.js';
import { registerPrune } from './commands/prune.js';
import { registerServe } from './commands/serve.js';
import { registerSetup } from './commands/setup.js';
import { registerStatus } from './commands/status.js';
import { registerWarm } from './commands/warm.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

const program = new Command('casterpakd')
  .description('CasterPak: packages MP4 renditions into HLS on demand for nginx, and keeps only what viewers watch')
  .version(packageVersion())
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument) exit 2, help and version 0; commander has already said why.
  // Set before the commands are added, so each command inherits it.
  .exitOverride((err) => process.exit(err.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE));

registerServe(program);
registerCheck(program);
registerSetup(program);
registerDemo(program);
registerNginxConfig(program);
registerPrune(program);
registerStatus(program);
registerWarm(program);
registerInvalidate(program);
registerLs(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Config and start-up problems are the operator's to fix: one clear line, exit 1.
  process.stderr.write(`casterpakd: ${isCasterpakError(err) ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(EXIT_ERROR);
});
