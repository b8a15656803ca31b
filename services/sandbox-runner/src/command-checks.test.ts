import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { Command } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { checkCommand } from './command-checks.ts';

test('a command with a program and a well-formed environment passes', () => {
  assert.doesNotThrow(() => checkCommand(Command.fromPartial({ arguments: ['/bin/true', ''], environmentVariables: [{ name: 'A', value: '' }] })));
});

test('what execve cannot take is INVALID_ARGUMENT naming it', () => {
  const cases: [Partial<Command>, RegExp][] = [
    [{ arguments: [] }, /no arguments/],
    [{ arguments: [''] }, /first argument \(the program\) is empty/],
    [{ arguments: ['echo', 'a\0b'] }, /command argument 1 "a\\u0000b" contains a NUL byte/],
    [{ arguments: ['x'], environmentVariables: [{ name: 'A=B', value: '' }] }, /name "A=B" is empty or contains "="/],
    [{ arguments: ['x'], environmentVariables: [{ name: '', value: '' }] }, /name "" is empty/],
    [{ arguments: ['x'], environmentVariables: [{ name: 'A', value: '\0' }] }, /variable A has a value with a NUL byte/],
    [{ arguments: ['x'], environmentVariables: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, /variable A is given more than once/],
  ];
  for (const [command, pattern] of cases) {
    assert.throws(() => checkCommand(Command.fromPartial(command)), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.message, pattern);
      return true;
    });
  }
});
