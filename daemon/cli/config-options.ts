// Every config key as a command-line flag (`--media-root`, `--prune-ttl`), turned into loadConfig overrides.

import { Command, Option } from 'commander';
import { CONFIG_KEYS, DEFAULT_CONFIG_PATH, envName, flagName, loadConfig, type Config } from '../config.js';

function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** Adds `--config` and one flag per config key to a command. */
export function withConfigOptions(command: Command): Command {
  command.option('-c, --config <file>', `config file (default ${DEFAULT_CONFIG_PATH} when it exists)`);
  for (const key of CONFIG_KEYS) {
    command.addOption(new Option(`${flagName(key)} <value>`, `config key ${key} (env ${envName(key)})`).hideHelp(key.startsWith('prune.')));
  }
  return command;
}

export function overridesFrom(options: Record<string, unknown>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = options[camel(flagName(key))];
    if (value !== undefined) overrides[key] = value;
  }
  return overrides;
}

/** The config for a command, from its `--config` and key flags. */
export function configFromOptions(options: Record<string, unknown>, defaults: Record<string, unknown> = {}): Config {
  return loadConfig({
    configPath: options.config as string | undefined,
    overrides: { ...defaults, ...overridesFrom(options) },
  });
}
