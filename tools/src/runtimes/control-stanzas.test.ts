import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseControlStanzas } from './control-stanzas.ts';

describe('parseControlStanzas', () => {
  it('splits stanzas at blank lines and joins continuation lines', () => {
    const stanzas = parseControlStanzas(
      'Package: a\nVersion: 1\nDescription: short\n long line\n .\n\n\nPackage: b\r\nversion: 2\n',
      'test',
    );
    assert.equal(stanzas.length, 2);
    assert.equal(stanzas[0]?.field('package'), 'a');
    assert.equal(stanzas[0]?.field('Description'), 'short\nlong line\n.');
    assert.equal(stanzas[1]?.field('Version'), '2');
    assert.equal(stanzas[1]?.line, 8);
  });

  it('skips comment lines as apt does in .sources files', () => {
    const stanzas = parseControlStanzas('# a comment\nTypes: deb\n# inside\nURIs: http://m/debian\n', 'x.sources');
    assert.equal(stanzas.length, 1);
    assert.equal(stanzas[0]?.field('URIs'), 'http://m/debian');
  });

  it('rejects a line without a colon, naming the source and line', () => {
    assert.throws(() => parseControlStanzas('Package: a\nnonsense\n', 'Packages'), /^Error: Packages: line 2 is not a "Field: value" line/);
  });

  it('rejects a continuation without a field', () => {
    assert.throws(() => parseControlStanzas(' orphan\n', 'Packages'), /line 1 continues a field/);
  });

  it('names the missing field of a required lookup', () => {
    const [stanza] = parseControlStanzas('Package: a\n', 'Packages');
    assert.throws(() => stanza?.required('Version', 'Packages'), /Packages: stanza at line 1 has no Version field/);
  });
});
