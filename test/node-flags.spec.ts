import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingNodeFlags, PRODUCTION_NODE_FLAGS } from '../src/node-flags';

const scripts = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('the node flags production runs with (src/node-flags.ts)', () => {
  it.each(['start', 'start:prod'])('npm run %s starts dist/src/main.js with exactly those flags', (name) => {
    const run = scripts[name].split('&&').map((segment) => segment.trim()).find((segment) => segment.endsWith('dist/src/main.js'));
    expect(run).toBe(['node', ...PRODUCTION_NODE_FLAGS, 'dist/src/main.js'].join(' '));
  });

  it('names the flags a process was started without', () => {
    expect(missingNodeFlags([...PRODUCTION_NODE_FLAGS])).toEqual([]);
    expect(missingNodeFlags(['--enable-source-maps', ...PRODUCTION_NODE_FLAGS])).toEqual([]);
    expect(missingNodeFlags([])).toEqual([...PRODUCTION_NODE_FLAGS]);
    expect(missingNodeFlags(['--min-semi-space-size=16'])).toEqual(['--no-allocation-site-pretenuring']);
    expect(missingNodeFlags(['--min-semi-space-size=8', '--no-allocation-site-pretenuring'])).toEqual(['--min-semi-space-size=16']);
  });
});
