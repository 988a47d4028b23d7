// A new user's first steps, in a folder outside this repository: stepmr packed with npm pack,
// a project made by `stepmr init`, the tarball installed with npm, the example job run with
// `npx stepmr run`, the project type-checked against the installed declarations, and its stack
// packaged offline with `npx serverless package`, checked as this repository's template is.
//
// The project's own dependencies (stepmr from the tarball, and everything it depends on) are
// installed by npm. Its deployment tools (osls, the serverless plugins, esbuild, typescript,
// node, @types) are linked from this repository's node_modules instead: the same versions, but
// a registry install of them adds about 400 MB and a minute or more to every test run.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefinition } from '../../framework/statemachine/buildDefinition.js';
import { countsOf, plainWordCount, readOutput } from '../e2e/helpers.js';
import {
  DESIGN,
  expectRoleAsDesigned,
  type J,
  list,
  packageTemplate,
  readTemplate,
  type TemplateReader,
  withDefaultQueryLanguage,
} from './templateChecks.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE_MODULES = realpathSync(join(REPO, 'node_modules'));
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** What packing needs from a clean tree: the published files' sources and the build. */
const SOURCES = ['package.json', 'README.md', 'bin', 'framework', 'scripts', 'templates', 'types'];
const TOOLS = [
  'osls',
  's3rver',
  'serverless-esbuild',
  'serverless-step-functions',
  'serverless-offline',
  'esbuild',
  'typescript',
  'node',
  '@types/node',
  '@types/aws-lambda',
];
const AT = { region: 'us-east-1', account: '123456789012', bucket: 'stepmr-test-databucket-0f1e2d3c' };

// The commands run as in a user's shell: without the variables `npm test` sets for this package.
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|INIT_CWD$|NODE_OPTIONS$|VITEST)/i.test(key)),
);

let root = '';
let project = '';
let tarball = '';

function run(command: string, args: readonly string[], cwd: string, timeout = 170_000) {
  const r = spawnSync(command, args, { cwd, env: ENV, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(command: string, args: readonly string[], cwd: string, timeout?: number) {
  const r = run(command, args, cwd, timeout);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** Links a deployment tool from this repository's node_modules, with its commands, unless npm installed it. */
function linkTool(name: string): void {
  const target = join(project, 'node_modules', name);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(NODE_MODULES, name), target);
  const manifest = JSON.parse(readFileSync(join(NODE_MODULES, name, 'package.json'), 'utf8')) as {
    bin?: string | Record<string, string>;
  };
  const bins = typeof manifest.bin === 'string' ? { [name]: manifest.bin } : (manifest.bin ?? {});
  for (const [command, file] of Object.entries(bins)) {
    const link = join(project, 'node_modules', '.bin', command);
    if (!existsSync(link)) symlinkSync(join('..', name, file), link);
  }
}

/** Every file under `dir`, relative to it. */
const filesOf = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'stepmr-init-')));
  expect(relative(REPO, root).startsWith('..')).toBe(true);
  // Packed from a clean copy: the package's own prepack builds it, and this repository's dist/,
  // which other tests' commands run meanwhile, stays as it is.
  const source = join(root, 'stepmr');
  for (const entry of SOURCES) cpSync(join(REPO, entry), join(source, entry), { recursive: true });
  for (const config of ['tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(REPO, config), join(source, config));
  }
  symlinkSync(NODE_MODULES, join(source, 'node_modules'));
  ok('npm', ['pack', '--pack-destination', root], source, 300_000);
  tarball = join(root, `stepmr-${VERSION}.tgz`);
  expect(existsSync(tarball)).toBe(true);

  ok(process.execPath, [join(source, 'bin', 'stepmr.js'), 'init', 'my-jobs', '--stepmr', tarball], root);
  project = join(root, 'my-jobs');
  ok('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], project, 400_000);
  for (const tool of TOOLS) linkTool(tool);
}, 900_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('stepmr init', () => {
  it('writes a project that depends on the given stepmr, with this repository’s deployment files', () => {
    expect(
      filesOf(project).filter((f) => !f.startsWith('node_modules') && f !== 'package-lock.json'),
    ).toEqual([
      '.gitignore',
      'data/fox.txt',
      'data/mapreduce.txt',
      'functions/handlers.ts',
      'jobs/wordcount.ts',
      'package.json',
      'serverless.stepmr.cjs',
      'serverless.yml',
      'stepmr.config.ts',
      'tsconfig.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ stepmr: `file:${tarball}` });
    expect(manifest.type).toBe('module');
    // The tools to package, deploy, run offline and type-check, at this repository's versions.
    const own = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.devDependencies).sort()).toEqual([...TOOLS].sort());
    for (const tool of TOOLS) expect(manifest.devDependencies[tool], tool).toBe(own.devDependencies[tool]);
    // A user's project deploys with the very files this repository deploys with.
    for (const file of ['serverless.yml', 'serverless.stepmr.cjs', 'functions/handlers.ts']) {
      expect(readFileSync(join(project, file), 'utf8'), file).toBe(readFileSync(join(REPO, file), 'utf8'));
    }
  });

  it('refuses a folder that holds files unless --force; the installed package makes the same project', () => {
    const before = readFileSync(join(project, 'package.json'), 'utf8');
    const refused = run('npx', ['stepmr', 'init', '.'], project);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(join(project, 'package.json'), 'utf8')).toBe(before);

    const second = join(root, 'second');
    ok('npx', ['stepmr', 'init', second], project);
    expect(filesOf(second)).toEqual(
      filesOf(project).filter((f) => !f.startsWith('node_modules') && f !== 'package-lock.json'),
    );
    for (const file of filesOf(second).filter((f) => f !== 'package.json')) {
      expect(readFileSync(join(second, file), 'utf8'), file).toBe(readFileSync(join(project, file), 'utf8'));
    }
    // By default the project depends on the version of the stepmr that made it.
    expect(JSON.parse(readFileSync(join(second, 'package.json'), 'utf8')).dependencies).toEqual({
      stepmr: `^${VERSION}`,
    });
    writeFileSync(join(second, 'jobs', 'wordcount.ts'), 'changed');
    ok('npx', ['stepmr', 'init', second, '--force'], project);
    expect(readFileSync(join(second, 'jobs', 'wordcount.ts'), 'utf8')).toBe(
      readFileSync(join(project, 'jobs', 'wordcount.ts'), 'utf8'),
    );
  });
});

describe('a project made by stepmr init', () => {
  const data = () => filesOf(join(project, 'data')).map((f) => join(project, 'data', f));

  it('runs its example job with npx stepmr run: every word counted once', () => {
    const r = ok(
      'npx',
      ['stepmr', 'run', 'jobs/wordcount.ts', '--input', 'data', '--output', 'out/wc'],
      project,
    );
    expect(r.stderr).toContain('succeeded');
    const expected = plainWordCount(data());
    expect(expected.size).toBeGreaterThan(20);
    expect(countsOf(readOutput(join(project, 'out', 'wc')))).toEqual(expected);
  });

  it('runs a job file outside any project: its import of stepmr gets the stepmr that runs it', () => {
    const loose = join(root, 'loose');
    mkdirSync(loose);
    cpSync(join(project, 'jobs', 'wordcount.ts'), join(loose, 'count.ts'));
    const stepmr = join(project, 'node_modules', '.bin', 'stepmr');
    ok(stepmr, ['run', 'count.ts', '--input', join(project, 'data'), '--output', 'out', '-r', '2'], loose);
    expect(countsOf(readOutput(join(loose, 'out')))).toEqual(plainWordCount(data()));
  });

  it('type-checks against the installed declarations, which catch a misuse', () => {
    ok('npx', ['tsc', '--noEmit'], project);
    const misuse = join(project, 'jobs', 'misuse.ts');
    writeFileSync(
      misuse,
      [
        "import { defineJob, lines } from 'stepmr';",
        'export default defineJob({',
        '  input: lines(),',
        "  map: (line, emit) => emit(line, 'one'),",
        '  reduce: (_key: string, counts: number[]) => counts.length,',
        '});',
        '',
      ].join('\n'),
    );
    try {
      const r = run('npx', ['tsc', '--noEmit'], project);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(/jobs\/misuse\.ts\(4,\d+\): error TS2345/);
    } finally {
      rmSync(misuse);
    }
  });

  describe('npx serverless package', () => {
    let template: J;
    let read: TemplateReader;
    let packaged = '';

    beforeAll(() => {
      ({ template, dir: packaged } = packageTemplate({
        cwd: project,
        command: ['npx', 'serverless'],
        stage: 'test',
        region: AT.region,
        env: ENV,
      }));
      read = readTemplate(template, AT);
    }, 200_000);

    afterAll(() => {
      if (packaged) rmSync(packaged, { recursive: true, force: true });
    });

    it('deploys exactly the definition buildDefinition makes for the stack functions, valid ASL', () => {
      const { definition, text } = read.resolveDefinition();
      expect(text).not.toContain('${');
      const arn = (fn: string) => `arn:aws:lambda:${AT.region}:${AT.account}:function:stepmr-test-${fn}`;
      const expected = buildDefinition({
        functions: {
          map: arn('map'),
          reduce: arn('reduce'),
          delegate: arn('delegate'),
          collect: arn('collect'),
        },
      });
      expect(definition).toEqual(withDefaultQueryLanguage(expected));
      expect(aslValidator(definition).errors).toEqual([]);
    });

    it('has one least-privilege role per function and the state machine, as designed', () => {
      const roles = read.resources('AWS::IAM::Role').map(([id]) => id);
      expect(roles.sort()).toEqual(Object.keys(DESIGN).sort());
      for (const role of roles) expectRoleAsDesigned(read, role);
      const invokers = read
        .resources('AWS::IAM::Role')
        .filter(([id]) =>
          read.roleStatements(id).some((s) => list(s.Action).some((a) => a.startsWith('lambda:'))),
        )
        .map(([id]) => id);
      expect(invokers).toEqual(['StateMachineRole']);
      for (const fn of ['Map', 'Reduce', 'Delegate', 'Collect', 'Scheduler']) {
        const arn = read.functionArn(`${fn}LambdaFunction`);
        expect(read.allowed('StateMachineRole', 'lambda:InvokeFunction', arn), fn).toBe(fn !== 'Scheduler');
      }
    });

    it('bundles the handlers with the installed stepmr and the project’s jobs', () => {
      const zip = readdirSync(packaged).find((f) => f.endsWith('.zip'));
      expect(zip).toBeDefined();
      const listing = run('unzip', ['-l', join(packaged, zip ?? '')], packaged).stdout;
      expect(listing).toContain('functions/handlers.mjs');
      const bundle = run(
        'unzip',
        ['-p', join(packaged, zip ?? ''), 'functions/handlers.mjs'],
        packaged,
      ).stdout;
      expect(bundle).toContain('node_modules/stepmr/dist/handlers/createHandlers.js');
      expect(bundle).toContain('jobs/wordcount.ts');
    });
  });
});
