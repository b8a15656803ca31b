import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, defineCli } from './cli-spec.ts';
import { booleanFlag, valueFlag } from './flag.ts';
import { durationSchema } from './duration-schema.ts';
import type { Flags } from './flag.ts';

const define = (flags: Flags, name = 'serve') =>
  defineCli({ name: 'actiond', version: '0', description: 'd', commands: { [name]: command({ description: 'c', flags }) } });

describe('defineCli', () => {
  it('accepts a well-formed declaration and returns it unchanged', () => {
    const flags = { timeout: valueFlag(durationSchema(), { description: 't', default: '10s' }) };
    assert.equal(define(flags).commands['serve']?.flags, flags);
  });

  it('rejects a default that fails its own schema', () => {
    assert.throws(
      () => define({ timeout: valueFlag(durationSchema(), { description: 't', default: '10' }) }),
      /^Error: serve --timeout: default "10" fails its own schema: expected a duration such as/,
    );
  });

  it('rejects flags that would shadow --help, --version or a --no- form', () => {
    assert.throws(() => define({ help: booleanFlag({ description: 'h' }) }), /serve --help: reserved for the built-in flag/);
    assert.throws(() => define({ version: booleanFlag({ description: 'v' }) }), /serve --version: reserved/);
    assert.throws(() => define({ noCache: booleanFlag({ description: 'n' }) }), /serve --no-cache: names starting with "no-" clash/);
  });

  it('rejects flag keys that are not camelCase words', () => {
    assert.throws(() => define({ 'metrics-listen': booleanFlag({ description: 'm' }) }), /serve --metrics-listen: flag keys must be camelCase words/);
    assert.throws(() => define({ Verbose: booleanFlag({ description: 'v' }) }), /flag keys must be camelCase words/);
  });

  it('rejects command names that are not lowercase words', () => {
    assert.throws(() => define({}, 'Serve'), /command name "Serve" must be lowercase words/);
    assert.throws(() => define({}, '--serve'), /command name "--serve"/);
  });
});
