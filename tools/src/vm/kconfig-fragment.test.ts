import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDotConfig, parseKconfigFragment } from './kconfig-fragment.ts';

describe('parseKconfigFragment', () => {
  it('reads set and not-set options with their line numbers and skips comments and blank lines', () => {
    const text = '# why\n\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x y"\nCONFIG_D=42\n';
    assert.deepEqual(parseKconfigFragment(text, 'f.config'), [
      { symbol: 'CONFIG_A', value: 'y', file: 'f.config', line: 3 },
      { symbol: 'CONFIG_B', value: null, file: 'f.config', line: 4 },
      { symbol: 'CONFIG_C', value: '"x y"', file: 'f.config', line: 5 },
      { symbol: 'CONFIG_D', value: '42', file: 'f.config', line: 6 },
    ]);
  });

  it('rejects a line that is not config syntax, naming file and line', () => {
    assert.throws(() => parseKconfigFragment('CONFIG_A=y\nCONFIG_B y\n', 'f.config'), /f\.config:2: not a kernel config line: 'CONFIG_B y'/);
  });

  it('rejects a commented-out assignment rather than ignoring it', () => {
    assert.throws(() => parseKconfigFragment('# CONFIG_A=y\n', 'f.config'), /f\.config:1: not a kernel config line/);
  });

  it('rejects =n and empty values, which merge_config.sh would treat inconsistently', () => {
    assert.throws(() => parseKconfigFragment('CONFIG_A=n\n', 'f'), /f:1: write '# CONFIG_A is not set' instead of CONFIG_A=n/);
    assert.throws(() => parseKconfigFragment('CONFIG_A=\n', 'f'), /f:1: CONFIG_A has an empty value/);
  });

  it('rejects a symbol set twice in one fragment', () => {
    assert.throws(() => parseKconfigFragment('CONFIG_A=y\n# CONFIG_A is not set\n', 'f'), /f:2: CONFIG_A is already set on line 1/);
  });
});

describe('parseDotConfig', () => {
  it('maps set symbols to values and not-set symbols to null, ignoring other lines', () => {
    const values = parseDotConfig('#\n# Linux/x86 6.1 Kernel Configuration\n#\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_S="hi"\n');
    assert.deepEqual([...values], [
      ['CONFIG_A', 'y'],
      ['CONFIG_B', null],
      ['CONFIG_S', '"hi"'],
    ]);
  });
});
