import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

type AddCommands = (program: Command) => void;

/**
 * The command modules, in the order of the help, by the commands each adds. Each is imported
 * only when one of its commands runs (the AWS SDK clients alone take about 0.3 s to load).
 */
const COMMAND_MODULES: readonly [readonly string[], (argv: readonly string[]) => Promise<AddCommands>][] = [
  [['run'], async () => (await import('./runCommand.js')).addRunCommand],
  [['definition'], async () => (await import('./definitionCommand.js')).addDefinitionCommand],
  [['estimate'], async () => (await import('./estimateCommand.js')).addEstimateCommand],
  [['report'], async () => (await import('./reportCommand.js')).addReportCommand],
  [['submit'], async () => (await import('./submitCommand.js')).addSubmitCommand],
  [['trigger'], async () => (await import('./submitCommand.js')).addTriggerCommand],
  [['redrive'], async () => (await import('./redriveCommand.js')).addRedriveCommand],
  [['status', 'list', 'stop'], async () => (await import('./cloudCommands.js')).addStatusCommands],
  [
    ['stream'],
    async (argv) => {
      const [{ addStreamCommand }, { addStreamStatusCommand }] = await Promise.all([
        import('./streamCommand.js'),
        import('./streamCloudCommands.js'),
      ]);
      // `stream status` stands alone: commander checks a parent's required options
      // (`stream --source`) for its subcommands too.
      return (program) => {
        if (argv[3] === 'status') {
          addStreamStatusCommand(program.command('stream').description('a deployed stream'));
        } else addStreamCommand(program);
      };
    },
  ],
  [['offline'], async () => (await import('./offlineCommand.js')).addOfflineCommand],
  [['cp'], async () => (await import('./copyCommand.js')).addCopyCommand],
  [['init'], async () => (await import('./initCommand.js')).addInitCommand],
];

/** A command as the top-level help lists it. */
export interface CommandSummary {
  readonly name: string;
  /** What the help shows for it: `run [options] <job>`. */
  readonly term: string;
  readonly description: string;
}

/** The build's catalogue of the commands (dist/cli/commands.json), if there is one. */
function builtCatalogue(): CommandSummary[] | undefined {
  try {
    return JSON.parse(readFileSync(new URL('./commands.json', import.meta.url), 'utf8')) as CommandSummary[];
  } catch {
    return undefined;
  }
}

/**
 * Adds to `program` the commands `argv` needs: the one it runs; for `stepmr`, `stepmr --help`,
 * only the summaries of the build's catalogue (the same help, without loading any command);
 * else (`help`, a command stepmr does not know) all of them.
 *
 * @example
 * ```ts
 * await addCommands(program, process.argv);
 * await program.parseAsync(process.argv);
 * ```
 */
export async function addCommands(program: Command, argv: readonly string[]): Promise<void> {
  const name = argv[2];
  const one = COMMAND_MODULES.find(([names]) => name !== undefined && names.includes(name));
  if (argv.length === 3 && (name === '--version' || name === '-V')) return;
  const topHelp = argv.length === 2 || (argv.length === 3 && (name === '--help' || name === '-h'));
  const catalogue = topHelp ? builtCatalogue() : undefined;
  if (catalogue) {
    const terms = new Map(catalogue.map((c) => [c.name, c.term]));
    for (const c of catalogue) program.command(c.name).description(c.description);
    const help = program.createHelp();
    program.configureHelp({
      subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command),
    });
    return;
  }
  const modules = one ? [one] : COMMAND_MODULES;
  const adders = await Promise.all(modules.map(([, load]) => load(argv)));
  for (const add of adders) add(program);
}

/**
 * Every command as the top-level help lists it, read from the commands themselves: what the
 * build writes to dist/cli/commands.json.
 *
 * @example
 * ```ts
 * const summaries = await describeCommands(new Command('stepmr'));
 * ```
 */
export async function describeCommands(program: Command): Promise<CommandSummary[]> {
  await addCommands(program, ['node', 'stepmr', 'help']);
  const help = program.createHelp();
  return program.commands.map((command) => ({
    name: command.name(),
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
  }));
}
