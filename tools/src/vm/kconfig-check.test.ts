import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUnmetKconfig, unmetKconfigSettings } from './kconfig-check.ts';
import { parseDotConfig, parseKconfigFragment } from './kconfig-fragment.ts';

describe('unmetKconfigSettings', () => {
  const requested = [
    ...parseKconfigFragment('CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=y\n# CONFIG_E is not set\n', 'common.config'),
    ...parseKconfigFragment('# CONFIG_D is not set\n', 'arch.config'),
  ];

  it('is empty when the final config honours every request', () => {
    const final = parseDotConfig('CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\n# CONFIG_D is not set\n');
    assert.deepEqual(unmetKconfigSettings(requested, final), []);
  });

  it('reports an option Kconfig dropped because a dependency is off, and one that vanished entirely', () => {
    const final = parseDotConfig('# CONFIG_A is not set\n# CONFIG_D is not set\n');
    const unmet = unmetKconfigSettings(requested, final);
    assert.deepEqual(
      unmet.map((u) => [u.requested.symbol, u.actual]),
      [
        ['CONFIG_A', null],
        ['CONFIG_B', undefined],
      ],
    );
    const text = describeUnmetKconfig(unmet);
    assert.match(text, /common\.config:1: CONFIG_A=y ended up not set/);
    assert.match(text, /common\.config:2: CONFIG_B=y is absent from the final \.config/);
  });

  it('reports an option asked to be off that ended up on', () => {
    const final = parseDotConfig('CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\n# CONFIG_D is not set\n');
    const unmet = unmetKconfigSettings(requested, final);
    assert.equal(describeUnmetKconfig(unmet), '  common.config:3: # CONFIG_C is not set ended up CONFIG_C=y');
  });

  it('lets a later fragment override an earlier one for the same symbol, as merge_config.sh does', () => {
    const final = parseDotConfig('CONFIG_A=y\nCONFIG_B=y\nCONFIG_D=y\n');
    const unmet = unmetKconfigSettings(requested, final);
    assert.deepEqual(unmet.map((u) => `${u.requested.file}:${u.requested.line}`), ['arch.config:1']);
  });

  it('treats a module where built-in was asked as unmet', () => {
    const final = parseDotConfig('CONFIG_A=m\nCONFIG_B=y\n');
    assert.deepEqual(unmetKconfigSettings(requested, final).map((u) => u.actual), ['m']);
  });
});
