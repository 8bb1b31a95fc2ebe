import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseOptions, PUBLISHED_RESULTS } from '../bench/options';

describe('bench options: where results go', () => {
  it('a run with no options writes the published results file', () => {
    expect(parseOptions([], {}).out).toBe(PUBLISHED_RESULTS);
  });

  it.each([
    [['--quick']],
    [['--endpoints', 'profile-hit', '--memory', '0']],
    [['--connections', '10']],
    [['--service-node-arg', '--cpu-prof']],
  ])('any other run (%j) writes a new file in the temp directory, never the published one', (argv) => {
    const { out } = parseOptions(argv, {});
    expect(out).not.toBe(PUBLISHED_RESULTS);
    expect(out.startsWith(tmpdir())).toBe(true);
    expect(out).toMatch(/villa-bench-.+\.json$/);
  });

  it('--out wins, including to publish a run with options', () => {
    expect(parseOptions(['--connections', '10', '--out', 'bench/results/connections-10.json'], {}).out).toBe(
      resolve('bench/results/connections-10.json'),
    );
    expect(parseOptions(['--rounds', '4', '--out', PUBLISHED_RESULTS], {}).out).toBe(PUBLISHED_RESULTS);
  });
});
