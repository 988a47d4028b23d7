import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { StepmrError } from '../errors.js';

/** The project `stepmr init` writes: this package's templates/project/ (beside framework/ or dist/). */
const TEMPLATE = fileURLToPath(new URL('../../templates/project/', import.meta.url));
/** This package's package.json: its version, and the versions of the deployment tools it is tested with. */
const OWN_PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

/**
 * What a new project needs beside stepmr to package and deploy its stack, to run it with
 * `stepmr offline` (s3rver, serverless-offline), and to type-check.
 */
const PROJECT_DEV_TOOLS = [
  '@types/aws-lambda',
  '@types/node',
  'esbuild',
  'node',
  'osls',
  's3rver',
  'serverless-esbuild',
  'serverless-offline',
  'serverless-step-functions',
  'typescript',
] as const;

/** The folder given to `stepmr init` holds files, and --force was not given. */
export class ProjectExistsError extends StepmrError {
  override readonly name = 'ProjectExistsError';
}

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project's folder, made when missing. */
  readonly dir: string;
  /**
   * The dependency on stepmr in the new package.json: a version range, a tarball or folder
   * path (written as `file:<absolute path>`), or any spec npm takes.
   * @default `^<the running stepmr's version>`
   */
  readonly stepmr?: string;
  /** Write into a folder that already holds files, replacing the template's files. @default false */
  readonly force?: boolean;
}

interface OwnPackage {
  readonly version: string;
  readonly devDependencies: Record<string, string>;
  readonly overrides?: Record<string, string>;
}

/** npm's rule for a package name, from the folder's name. */
function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'stepmr-project';
}

function stepmrSpec(given: string | undefined, version: string): string {
  if (given === undefined) return `^${version}`;
  // A path to a tarball or a folder (as `npm pack` makes): npm needs it as file:, absolute so
  // that it holds from the project's folder.
  if (!given.startsWith('file:') && existsSync(given)) return `file:${resolve(given)}`;
  return given;
}

async function projectPackage(dir: string, stepmr: string | undefined): Promise<string> {
  const own = JSON.parse(await readFile(OWN_PACKAGE, 'utf8')) as OwnPackage;
  const devDependencies = Object.fromEntries(
    PROJECT_DEV_TOOLS.map((name) => [name, own.devDependencies[name] ?? 'latest']),
  );
  const manifest = {
    name: packageName(dir),
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      wordcount: 'stepmr run jobs/wordcount.ts --input data --output out/wordcount --overwrite',
      typecheck: 'tsc --noEmit',
      package: 'serverless package',
      deploy: 'serverless deploy',
    },
    dependencies: { stepmr: stepmrSpec(stepmr, own.version) },
    devDependencies,
    // serverless-offline asks for serverless 4, which needs a login and a download to run: osls
    // (the open-source Framework v3) is `serverless` here.
    ...(own.overrides ? { overrides: own.overrides } : {}),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Every file of the template, relative to it. */
async function templateFiles(): Promise<string[]> {
  const entries = await readdir(TEMPLATE, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(TEMPLATE, join(entry.parentPath, entry.name)))
    .sort();
}

/** A template file's name in the project: npm never packs a file named .gitignore, so it is stored without the dot. */
const projectPath = (file: string) => (file === 'gitignore' ? '.gitignore' : file);

/**
 * Writes a new stepmr project into `dir`: package.json (depending on stepmr and the deployment
 * tools), serverless.yml and serverless.stepmr.cjs (the stack, its definition and roles from the
 * installed stepmr), functions/handlers.ts, stepmr.config.ts, an example job with sample data,
 * tsconfig.json and .gitignore. Refuses a folder that holds files unless `force`. Returns the
 * files written, relative to `dir`.
 *
 * @example
 * ```ts
 * await initProject({ dir: 'my-jobs' });
 * // then: cd my-jobs && npm install && npx stepmr run jobs/wordcount.ts -i data -o out/wordcount
 * ```
 */
export async function initProject(options: InitOptions): Promise<string[]> {
  const dir = resolve(options.dir);
  const present = await readdir(dir).catch(() => []);
  if (present.length > 0 && !options.force) {
    throw new ProjectExistsError(
      `${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): pick a new folder, or pass --force to write the project's files into it (replacing files of the same name)`,
    );
  }
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of await templateFiles()) {
    const target = join(dir, projectPath(file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(TEMPLATE, file), target);
    written.push(projectPath(file));
  }
  await writeFile(join(dir, 'package.json'), await projectPackage(dir, options.stepmr));
  written.push('package.json');
  return written.sort();
}

/**
 * Adds `stepmr init [dir]`: a new project of your own, with an example job, ready to run here
 * and to deploy.
 *
 * @example
 * ```ts
 * addInitCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'init', 'my-jobs']);
 * ```
 */
export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description('make a new project: an example job, stepmr.config.ts, functions/ and serverless.yml')
    .argument('[dir]', 'the project folder', '.')
    .option(
      '--stepmr <spec>',
      'the stepmr dependency of package.json: a version range, or the path of a tarball made by npm pack (default: ^ this version)',
    )
    .option('--force', 'write into a folder that already holds files')
    .action(async (dir: string, flags: { stepmr?: string; force?: boolean }) => {
      const files = await initProject({
        dir,
        ...(flags.stepmr !== undefined ? { stepmr: flags.stepmr } : {}),
        ...(flags.force ? { force: true } : {}),
      });
      const relativePath = relative(process.cwd(), resolve(dir));
      const where = relativePath.startsWith('..') ? resolve(dir) : relativePath;
      const cd = where ? [`  cd ${where}`] : [];
      process.stderr.write(
        [
          `made a stepmr project in ${resolve(dir)}: ${files.join(', ')}`,
          '',
          'Next:',
          ...cd,
          '  npm install',
          '  npx stepmr run jobs/wordcount.ts --input data --output out/wordcount   # run the example here',
          '  npx serverless package                # the CloudFormation template, offline, in .serverless/',
          '  npx serverless deploy --stage dev     # the stack stepmr-dev on AWS',
          '',
        ].join('\n'),
      );
    });
}
