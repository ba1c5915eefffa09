import * as path from 'path';

import { Team } from '../../src/ml/parallel/team';

const HELPER = path.join(__dirname, '../fixtures/team_helper.ts');

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('Team', () => {
  // [last value written, jobs the helper ran]
  const out = new Int32Array(new SharedArrayBuffer(8));
  let ranHere = 0;
  const runHere = (helper: number, args: Int32Array): void => {
    expect(helper).toBe(0);
    out[0] = args[0];
    ranHere++;
  };
  const team = new Team(HELPER);

  test('a job no helper has taken yet runs on the waiting thread, once', () => {
    team.grow(1);
    team.share(0, out);
    // The helper thread is still starting (it loads its script): the job is ours.
    team.start(0, [7]);
    team.wait(runHere);
    expect(ranHere).toBe(1);
    expect(out[0]).toBe(7);
  });

  test('a job a helper has taken is waited for, and no job runs twice', () => {
    let started = 1;
    for (let value = 100; Atomics.load(out, 1) === 0 && value < 200; value++) {
      team.start(0, [value]);
      started++;
      sleep(50);
      team.wait(runHere);
      expect(out[0]).toBe(value);
    }
    expect(Atomics.load(out, 1)).toBeGreaterThan(0);
    sleep(50);
    expect(Atomics.load(out, 1) + ranHere).toBe(started);
  });
});
