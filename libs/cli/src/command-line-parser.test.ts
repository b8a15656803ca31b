import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineCli, command } from './cli-spec.ts';
import { booleanFlag, optionalFlag, repeatedFlag, valueFlag } from './flag.ts';
import { parseCommandLine, type ParsedCommandLine } from './command-line-parser.ts';
import { hostPortSchema, type HostPort } from './host-port-schema.ts';
import { durationSchema } from './duration-schema.ts';
import { pathSchema } from './path-schema.ts';
import type { CliErrorCode } from './cli-error.ts';

const cli = defineCli({
  name: 'actiond',
  version: '1.2.3',
  description: 'A local REAPI worker and cache.',
  commands: {
    serve: command({
      description: 'Serve REAPI on a TCP address.',
      flags: {
        listen: valueFlag(hostPortSchema(), { description: 'gRPC listen address', default: '127.0.0.1:8980' }),
        root: valueFlag(pathSchema(), { description: 'State directory' }),
        metricsListen: optionalFlag(hostPortSchema(), { description: 'Serve Prometheus /metrics here' }),
        timeout: valueFlag(durationSchema(), { description: 'Default action timeout', default: '10m' }),
        allowEnv: repeatedFlag(z.string().regex(/^[A-Z_]+$/, 'expected an environment variable name'), {
          description: 'Pass this variable to actions',
          valueName: 'NAME',
        }),
        verbose: booleanFlag({ description: 'Log every RPC' }),
        sandbox: booleanFlag({ description: 'Run actions in namespaces', default: true }),
        mode: optionalFlag(z.enum(['fast', 'safe']), { description: 'Scheduling mode' }),
      },
    }),
    check: command({ description: 'Check the state directory.', flags: {} }),
  },
});

type Parsed = ParsedCommandLine<typeof cli.commands>;

function run(argv: string[]) {
  const parsed: Parsed = parseCommandLine(cli, argv);
  assert.equal(parsed.kind, 'run', parsed.kind === 'error' ? parsed.error.message : parsed.kind);
  return parsed as Extract<Parsed, { kind: 'run' }>;
}

function serve(...args: string[]) {
  const parsed = run(['serve', '--root', '/var/actiond', ...args]);
  assert.equal(parsed.command, 'serve');
  if (parsed.command !== 'serve') throw new Error('unreachable');
  return parsed.flags;
}

function failure(argv: string[], code: CliErrorCode, message: string) {
  const parsed = parseCommandLine(cli, argv);
  assert.equal(parsed.kind, 'error');
  if (parsed.kind !== 'error') return;
  assert.equal(parsed.error.message, message);
  assert.equal(parsed.error.code, code);
  assert.ok(!parsed.error.message.includes('\n'), 'error messages are one line');
  return parsed;
}

describe('parseCommandLine: values', () => {
  it('applies defaults, leaves optional flags undefined and repeated flags empty', () => {
    const flags = serve();
    assert.deepEqual(flags, {
      listen: { host: '127.0.0.1', port: 8980 },
      root: '/var/actiond',
      metricsListen: undefined,
      timeout: 600_000,
      allowEnv: [],
      verbose: false,
      sandbox: true,
      mode: undefined,
    });
  });

  it('takes a value from the next token or after "="', () => {
    assert.deepEqual(serve('--listen', '[::1]:0').listen, { host: '::1', port: 0 });
    assert.deepEqual(serve('--listen=localhost:9000').listen, { host: 'localhost', port: 9000 });
    assert.equal(serve('--timeout=2m').timeout, 120_000);
  });

  it('keeps everything after the first "=" as the value', () => {
    assert.deepEqual(run(['serve', '--root=/a=b']).flags, { ...serve(), root: '/a=b' });
  });

  it('accepts an empty value after "=" and lets the schema judge it', () => {
    failure(['serve', '--root='], 'invalid-value', 'actiond: --root: expected a path, got ""');
  });

  it('takes a lone "-" as a value', () => {
    const parsed = run(['serve', '--root', '-']);
    assert.equal(parsed.command === 'serve' && parsed.flags.root, '-');
  });

  it('collects a repeated flag in command-line order', () => {
    assert.deepEqual(serve('--allow-env', 'HOME', '--allow-env=PATH', '--allow-env', 'TMPDIR').allowEnv, ['HOME', 'PATH', 'TMPDIR']);
  });

  it('runs caller-supplied zod schemas, such as enums', () => {
    assert.equal(serve('--mode', 'safe').mode, 'safe');
  });

  it('runs a command without flags', () => {
    const parsed = run(['check']);
    assert.equal(parsed.command, 'check');
    assert.deepEqual(parsed.flags, {});
  });
});

describe('parseCommandLine: types', () => {
  it('types each flag as its builder promised', () => {
    const flags = serve('--metrics-listen', '127.0.0.1:0');
    const listen: HostPort = flags.listen;
    const metrics: HostPort | undefined = flags.metricsListen;
    // @ts-expect-error an optional flag may be undefined
    const notOptional: HostPort = flags.metricsListen;
    const allowEnv: string[] = flags.allowEnv;
    const verbose: boolean = flags.verbose;
    const mode: 'fast' | 'safe' | undefined = flags.mode;
    assert.deepEqual([listen.port, metrics?.port, notOptional.port, allowEnv, verbose, mode], [8980, 0, 0, [], false, undefined]);
  });
});

describe('parseCommandLine: booleans', () => {
  it('sets a boolean with --flag and --flag=true', () => {
    assert.equal(serve('--verbose').verbose, true);
    assert.equal(serve('--verbose=true').verbose, true);
  });

  it('clears a boolean with --no-flag and --flag=false', () => {
    assert.equal(serve('--no-sandbox').sandbox, false);
    assert.equal(serve('--sandbox=false').sandbox, false);
  });

  it('rejects a boolean value other than true or false', () => {
    failure(['serve', '--verbose=yes'], 'invalid-value', 'actiond: --verbose: expected true or false, got "yes"');
  });

  it('rejects a value on the --no- form', () => {
    failure(['serve', '--no-sandbox=true'], 'invalid-value', 'actiond: --no-sandbox: takes no value, got "true"');
  });

  it('rejects --no- on a flag that is not boolean', () => {
    failure(['serve', '--no-listen'], 'unknown-flag', 'actiond: --no-listen: --listen is not a boolean flag, so it has no --no- form');
  });

  it('does not take a separate token as a boolean value, and says how to write one', () => {
    failure(
      ['serve', '--root', '/r', '--verbose', 'false'],
      'unexpected-argument',
      'actiond: unexpected argument "false" (boolean flags take a value only as --verbose=true or --verbose=false)',
    );
  });
});

describe('parseCommandLine: errors', () => {
  it('names the flag, the expected form and the rejected value', () => {
    failure(['serve', '--root', '/r', '--listen', 'abc'], 'invalid-value', 'actiond: --listen: expected HOST:PORT, got "abc"');
  });

  it('reports the first bad repeated value', () => {
    failure(
      ['serve', '--root', '/r', '--allow-env', 'HOME', '--allow-env', 'lower'],
      'invalid-value',
      'actiond: --allow-env: expected an environment variable name, got "lower"',
    );
  });

  it('words zod default messages as a continuation, with the value', () => {
    failure(['serve', '--root', '/r', '--mode', 'slow'], 'invalid-value', 'actiond: --mode: invalid option: expected one of "fast"|"safe", got "slow"');
  });

  it('lists the accepted flags for an unknown one', () => {
    const parsed = failure(
      ['serve', '--lisen=1.2.3.4:5'],
      'unknown-flag',
      'actiond: unknown flag --lisen; accepted: --listen, --root, --metrics-listen, --timeout, --allow-env, --[no-]verbose, --[no-]sandbox, --mode, --help',
    );
    assert.equal(parsed?.error.flag, '--lisen');
    assert.equal(parsed?.hint, 'Run "actiond serve --help" for usage.');
  });

  it('treats single-dash tokens other than -h and - as unknown flags', () => {
    failure(['serve', '-v'], 'unknown-flag', 'actiond: unknown flag -v; accepted: --listen, --root, --metrics-listen, --timeout, --allow-env, --[no-]verbose, --[no-]sandbox, --mode, --help');
  });

  it('reports a value flag at the end of the line as missing its value', () => {
    failure(['serve', '--root'], 'missing-value', 'actiond: --root: missing value, expected PATH');
  });

  it('does not swallow the next flag as a value', () => {
    failure(
      ['serve', '--root', '--verbose'],
      'missing-value',
      'actiond: --root: missing value, expected PATH; to pass a value starting with "-", write --root=--verbose',
    );
  });

  it('rejects a single-value flag given twice instead of picking one', () => {
    failure(['serve', '--root', '/a', '--root', '/b'], 'duplicate-flag', 'actiond: --root: given more than once; it takes a single value');
    failure(['serve', '--root', '/a', '--verbose', '--no-verbose'], 'duplicate-flag', 'actiond: --verbose: given more than once; it takes a single value');
  });

  it('reports a missing required flag with its placeholder', () => {
    failure(['serve'], 'missing-flag', 'actiond: --root: required flag missing, expected --root PATH');
  });

  it('rejects positional arguments, also after "--"', () => {
    failure(['serve', '--root', '/r', 'extra'], 'unexpected-argument', 'actiond: unexpected argument "extra"');
    failure(['serve', '--root', '/r', '--', '--listen'], 'unexpected-argument', 'actiond: unexpected argument "--listen"');
  });

  it('accepts a trailing "--" with nothing after it', () => {
    assert.equal(run(['serve', '--root', '/r', '--']).command, 'serve');
  });

  it('reports a missing command with the list of commands', () => {
    const parsed = failure([], 'missing-command', 'actiond: missing command; expected one of: serve, check');
    assert.equal(parsed?.hint, 'Run "actiond --help" for usage.');
  });

  it('does not take a command from after "--"', () => {
    failure(['--', 'serve'], 'missing-command', 'actiond: missing command; expected one of: serve, check');
  });

  it('reports an unknown command with the list of commands', () => {
    failure(['sevre'], 'unknown-command', 'actiond: unknown command "sevre"; expected one of: serve, check');
  });

  it('rejects command flags written before the command', () => {
    failure(['--verbose', 'serve'], 'unknown-flag', 'actiond: --verbose: only --help and --version may come before the command (serve, check)');
  });
});

describe('parseCommandLine: --help and --version', () => {
  it('gives top-level help without a command', () => {
    for (const argv of [['--help'], ['-h']]) {
      const parsed = parseCommandLine(cli, argv);
      assert.equal(parsed.kind, 'help');
      if (parsed.kind === 'help') assert.match(parsed.text, /^Usage: actiond <command> \[flags\]$/m);
    }
  });

  it('gives the command help when a command is named, even among bad flags', () => {
    const parsed = parseCommandLine(cli, ['serve', '--listen', 'abc', '--bogus', '--help']);
    assert.equal(parsed.kind, 'help');
    if (parsed.kind === 'help') assert.match(parsed.text, /^Usage: actiond serve \[flags\]$/m);
  });

  it('gives top-level help for an unknown command', () => {
    const parsed = parseCommandLine(cli, ['sevre', '-h']);
    assert.equal(parsed.kind, 'help');
    if (parsed.kind === 'help') assert.match(parsed.text, /^Commands:$/m);
  });

  it('ignores --help after "--", where it would be an argument', () => {
    assert.equal(parseCommandLine(cli, ['serve', '--', '--help']).kind, 'error');
  });

  it('prints the name and version', () => {
    assert.deepEqual(parseCommandLine(cli, ['--version']), { kind: 'version', text: 'actiond 1.2.3\n' });
    assert.deepEqual(parseCommandLine(cli, ['serve', '--version']), { kind: 'version', text: 'actiond 1.2.3\n' });
  });
});
