// Command lines a careless or hostile user types: unknown commands and
// options, missing and repeated arguments, absurd numbers, paths that are
// folders, devices or missing, and sizes no machine holds.

export function cliCases(tmp: string): string[][] {
  const cell = 'dsl-examples/elman.cell';
  const nums = ['0', '-1', '1e999', 'NaN', 'abc', '1.5', '99999999999999999999', '', ' 3', '0x10'];
  const cases: string[][] = [
    [], ['nope'], ['--nope'], ['check'], ['check', '/nonexistent.cell'], ['check', '/dev/null'], ['check', '/'], ['check', tmp],
    ['check', cell, cell, cell], ['graph'], ['graph', cell, '--set'], ['graph', cell, '--set', 'H'], ['graph', cell, '--set', 'H=0'],
    ['graph', cell, '--set', '=4'], ['graph', cell, '--set', 'Q=4'], ['graph', cell, '--set', 'H=1e999'], ['graph', cell, '--stage', 'nope'],
    ['plan', cell, '--set', 'H=99999999'], ['emit', cell, '-o', '/proc/x/y.wgsl'], ['emit', cell, '-o', tmp], ['emit', cell, '--backend', 'cuda'],
    ['gradcheck', cell, '--T', '0'], ['gradflow', cell, '--set', 'H=100000'], ['sample', cell], ['apply', cell], ['apply', cell, '--inputs', '/dev/null'],
    ['eval', cell], ['eval', cell, '--checkpoint', tmp], ['export-torch', '/nonexistent'], ['import-torch'], ['train'], ['train', cell],
    ['train', cell, '--task', 'nope'], ['train', cell, '--task', 'adding', '--out', '/dev/null/x', '--steps', '1'], ['compare'], ['bench', cell, '--B', 'x'],
    ['check', '--cell', 'X', cell], ['graph', cell, '--cell', 'Nope'], ['check', '-'.repeat(5000)],
  ];
  for (const n of nums) {
    cases.push(['run', cell, '--B', n], ['train', cell, '--task', 'adding', '--steps', n], ['gradcheck', cell, '--T', n], ['train', cell, '--task', 'adding', '--lr', n, '--steps', '1']);
  }
  return cases;
}
