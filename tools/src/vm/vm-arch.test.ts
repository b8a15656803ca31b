import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vmArch } from './vm-arch.ts';

describe('vmArch', () => {
  it('describes both guest architectures with their kernel image and console', () => {
    assert.equal(vmArch('x86_64').imagePath, 'arch/x86/boot/bzImage');
    assert.equal(vmArch('x86_64').console, 'ttyS0');
    assert.equal(vmArch('aarch64').kernelArch, 'arm64');
    assert.equal(vmArch('aarch64').imagePath, 'arch/arm64/boot/Image');
    assert.equal(vmArch('aarch64').console, 'ttyAMA0');
  });

  it('cross-compiles only for the architecture the host is not', () => {
    const host = process.arch === 'x64' ? 'x86_64' : 'aarch64';
    const other = host === 'x86_64' ? 'aarch64' : 'x86_64';
    assert.equal(vmArch(host).crossCompile, '');
    assert.equal(vmArch(other).crossCompile, `${other}-linux-gnu-`);
    assert.equal(vmArch(other).cc, `${other}-linux-gnu-gcc`);
  });

  it('rejects an unknown architecture, listing the accepted names', () => {
    assert.throws(() => vmArch('arm64'), /unknown VM architecture 'arm64' \(expected one of: x86_64, aarch64\)/);
  });
});
