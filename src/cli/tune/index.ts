/**
 * `tune`: the tuning service from a terminal. Exit codes: 0 ok, 1 the run waited for failed,
 * 2 usage, 3 API or HTTP error, 4 not logged in or token refused, 70 a bug in the CLI.
 */
import { Command, CommanderError } from 'commander';
import { version } from '../../../package.json';
import { ApiClient } from './client';
import { loadCredentials } from './config';
import { registerDataCommands } from './data_commands';
import { CliError, EXIT } from './errors';
import { printJson } from './output';
import { registerRunCommands } from './run_commands';
import { registerScheduleCommands } from './schedule_commands';

const EXIT_INTERNAL = 70;

export interface CliContext {
  /** The API with the stored (or TUNE_URL / TUNE_TOKEN) credentials. */
  api(): Promise<ApiClient>;
  /** The value as JSON with --json, otherwise as `print` shows it to people. */
  output<T>(options: { json?: boolean }, value: T, print: (value: T) => void): void;
}

export function buildProgram(): Command {
  const program = new Command('tune')
    .description('Hyperparameter tuning from the terminal: data sets, model runs, tuning runs and schedules')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    // Usage errors come back to main() as exceptions, to exit with code 2 instead of commander's 1.
    .exitOverride();
  const context: CliContext = {
    api: async () => new ApiClient(await loadCredentials()),
    output: (options, value, print) => (options.json ? printJson(value) : print(value)),
  };
  registerDataCommands(program, context);
  registerRunCommands(program, context);
  registerScheduleCommands(program, context);
  return program;
}

/** Runs one command line; returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    // Commander has printed its message (or the help / version asked for).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      process.stderr.write(`tune: ${err.message}\n${err.details.map((line) => `  ${line}\n`).join('')}`);
      return err.exitCode;
    }
    process.stderr.write(`tune: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    return EXIT_INTERNAL;
  }
}

export function run(): void {
  void main().then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run();
