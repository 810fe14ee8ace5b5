// `casterpakd status`: cache size and cap, hit ratio, tailer lag, oldest and newest access, top renditions.

import type { Command } from 'commander';
import { cacheStatus } from '../../status/cache-status.js';
import { formatStatus } from '../../status/status-text.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description('show cache size and cap, files, packages, hit ratio, access-log tailer lag, oldest and newest access, top renditions by hits')
    .option('--json', 'print the status as JSON')
    .option('--top <n>', 'how many renditions to list', '10');
  withConfigOptions(command).action(async (options: Record<string, unknown>) => {
    const status = await cacheStatus(configFromOptions(options), { top: Math.max(0, Number.parseInt(String(options.top), 10) || 10) });
    process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  });
}
