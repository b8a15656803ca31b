import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, defineCli } from './cli-spec.ts';
import { booleanFlag, optionalFlag, repeatedFlag, valueFlag } from './flag.ts';
import { formatCliHelp, formatCommandHelp } from './help-text.ts';
import { byteSizeSchema } from './byte-size-schema.ts';
import { hostPortSchema } from './host-port-schema.ts';
import { pathSchema } from './path-schema.ts';
import { positiveIntegerSchema } from './positive-integer-schema.ts';
import { z } from 'zod';

const cli = defineCli({
  name: 'actiond',
  version: '0.1.0',
  description: 'A local REAPI worker and cache.',
  commands: {
    serve: command({
      description: 'Serve REAPI on a TCP address.',
      flags: {
        listen: valueFlag(hostPortSchema(), { description: 'gRPC listen address', default: '127.0.0.1:8980' }),
        root: valueFlag(pathSchema(), { description: 'State directory' }),
        casSize: valueFlag(byteSizeSchema().refine((n) => n > 0, 'must be positive'), { description: 'CAS capacity', default: '10Gi' }),
        workers: optionalFlag(positiveIntegerSchema(), { description: 'Concurrent actions' }),
        allowEnv: repeatedFlag(z.string(), { description: 'Pass this variable to actions', valueName: 'NAME' }),
        verbose: booleanFlag({ description: 'Log every RPC' }),
      },
    }),
    'serve-vm': command({ description: 'Serve REAPI from a Linux VM.', flags: {} }),
  },
});

describe('formatCommandHelp', () => {
  it('lists every flag with its placeholder, description and default, aligned', () => {
    assert.equal(
      formatCommandHelp(cli, 'serve', cli.commands.serve),
      [
        'Usage: actiond serve [flags]',
        '',
        'Serve REAPI on a TCP address.',
        '',
        'Flags:',
        '  --listen HOST:PORT  gRPC listen address (default: 127.0.0.1:8980)',
        '  --root PATH         State directory (required)',
        '  --cas-size SIZE     CAS capacity (default: 10Gi)',
        '  --workers N         Concurrent actions',
        '  --allow-env NAME    Pass this variable to actions (repeatable)',
        '  --[no-]verbose      Log every RPC (default: false)',
        '  -h, --help          Show this help',
        '',
      ].join('\n'),
    );
  });
});

describe('formatCliHelp', () => {
  it('lists the commands and the built-in flags', () => {
    assert.equal(
      formatCliHelp(cli),
      [
        'actiond 0.1.0: A local REAPI worker and cache.',
        '',
        'Usage: actiond <command> [flags]',
        '',
        'Commands:',
        '  serve     Serve REAPI on a TCP address.',
        '  serve-vm  Serve REAPI from a Linux VM.',
        '',
        'Flags:',
        '  -h, --help  Show this help',
        '  --version   Print the version',
        '',
        'Run "actiond <command> --help" for the flags of a command.',
        '',
      ].join('\n'),
    );
  });
});
