import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isElf, readElfDynamic } from './elf-dynamic.ts';

// The host is Debian x86_64 (see the preamble); its own binaries are real fixtures.
describe('readElfDynamic', () => {
  it('reads the interpreter and NEEDED libraries of a dynamically linked executable', () => {
    const info = readElfDynamic(readFileSync('/bin/ls'), '/bin/ls');
    assert.equal(info.machine, 62);
    assert.equal(info.interpreter, '/lib64/ld-linux-x86-64.so.2');
    assert.ok(info.needed.includes('libc.so.6'), `needed: ${info.needed.join(', ')}`);
  });

  it('reads a shared library, which has NEEDED entries but no interpreter', () => {
    const info = readElfDynamic(readFileSync('/lib/x86_64-linux-gnu/libselinux.so.1'), 'libselinux');
    assert.equal(info.interpreter, undefined);
    assert.ok(info.needed.includes('libc.so.6'));
  });

  it('rejects a truncated file, naming it', () => {
    const ls = readFileSync('/bin/ls');
    assert.throws(() => readElfDynamic(ls.subarray(0, 40), 'usr/bin/ls'), /^Error: usr\/bin\/ls: truncated ELF file/);
  });

  it('rejects 32-bit ELF files, which no runtime architecture uses', () => {
    const ls = Buffer.from(readFileSync('/bin/ls'));
    ls[4] = 1;
    assert.throws(() => readElfDynamic(ls, 'x'), /x: not a 64-bit little-endian ELF file/);
  });

  it('recognizes ELF by its magic only', () => {
    assert.ok(isElf(readFileSync('/bin/ls')));
    assert.ok(!isElf(Buffer.from('#!/bin/sh\n')));
  });
});
