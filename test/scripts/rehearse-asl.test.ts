import { runStateMachine, AslUnsupportedError, StatesError, STATE_PAYLOAD_LIMIT } from '../../scripts/rehearse/asl';

/** A definition shaped like the synthesized hunt runner: plan, Map of query + publish with Catch, JSONata Choice. */
const MACHINE = {
  StartAt: 'Plan',
  States: {
    Plan: { Type: 'Task', Resource: 'plan', Next: 'Any' },
    Any: { Type: 'Choice', Choices: [{ Variable: '$.hunts[0]', IsPresent: true, Next: 'Each' }], Default: 'Nothing' },
    Nothing: { Type: 'Succeed' },
    Each: {
      Type: 'Map',
      ItemsPath: '$.hunts',
      ResultPath: '$.results',
      Next: 'Failed?',
      ItemSelector: { 'hunt.$': '$$.Map.Item.Value', 'run_id.$': '$.run_id' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Query',
        States: {
          Query: {
            Type: 'Task',
            Resource: 'query',
            Parameters: { 'q.$': '$.hunt.q' },
            ResultSelector: { 'id.$': '$.Id' },
            ResultPath: '$.query',
            Next: 'Publish',
            Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 2 }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record' }],
          },
          Publish: { Type: 'Task', Resource: 'publish', Parameters: { 'id.$': '$.query.id', 'hunt_id.$': '$.hunt.id' }, End: true },
          Record: { Type: 'Pass', Parameters: { 'hunt_id.$': '$.hunt.id', ok: false, 'error.$': '$.error' }, End: true },
        },
      },
    },
    'Failed?': {
      Type: 'Choice',
      QueryLanguage: 'JSONata',
      Choices: [{ Condition: '{% $count($states.input.results[ok = false]) > 0 %}', Next: 'Fail' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
    Fail: { Type: 'Fail', Error: 'HuntsFailed', Cause: 'some failed' },
  },
};

describe('runStateMachine (rehearsal ASL interpreter)', () => {
  it('runs plan, Map with ItemSelector / ResultSelector / ResultPath, and the JSONata Choice', async () => {
    // Prepare
    const calls: string[] = [];
    const run = async (resource: string, input: any): Promise<unknown> => {
      calls.push(`${resource}:${JSON.stringify(input)}`);
      if (resource === 'plan')
        return {
          run_id: 'r1',
          hunts: [
            { id: 'h1', q: 'SELECT 1' },
            { id: 'h2', q: 'SELECT 2' },
          ],
        };
      if (resource === 'query') return { Id: `q-${input.q.slice(-1)}`, Other: 'dropped' };
      return { hunt_id: input.hunt_id, ok: true };
    };
    // Act
    const out = await runStateMachine(MACHINE, { trigger: 'schedule' }, run);
    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect((out.output as any).results).toEqual([
      { hunt_id: 'h1', ok: true },
      { hunt_id: 'h2', ok: true },
    ]);
    expect(calls).toContain('publish:{"id":"q-1","hunt_id":"h1"}');
    expect(out.states.at(-1)).toBe('Done');
  });

  it('retries as the Retry says, then catches into ResultPath, and fails the run through the JSONata Choice', async () => {
    // Prepare
    let attempts = 0;
    const run = async (resource: string): Promise<unknown> => {
      if (resource === 'plan') return { run_id: 'r1', hunts: [{ id: 'h1', q: 'x' }] };
      attempts++;
      throw new StatesError('Busy', 'too many queries');
    };
    // Act
    const out = await runStateMachine(MACHINE, {}, run);
    // Assess
    expect(attempts).toBe(3); // the first try and MaxAttempts 2
    expect(out.retryWaitSeconds).toBe(5 + 10);
    expect(out).toMatchObject({ status: 'FAILED', error: 'HuntsFailed' });
  });

  it('fails the execution with States.DataLimitExceeded when a state output passes 256 KiB', async () => {
    // Prepare
    const run = async (): Promise<unknown> => ({ run_id: 'r', hunts: [], pad: 'x'.repeat(STATE_PAYLOAD_LIMIT) });
    // Act
    const out = await runStateMachine(MACHINE, {}, run);
    // Assess
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('refuses a feature it does not implement instead of guessing', async () => {
    // Prepare
    const parallel = { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [], End: true } } };
    const waitUntil = { StartAt: 'W', States: { W: { Type: 'Wait', Timestamp: '2026-01-01T00:00:00Z', End: true } } };
    const numeric = {
      StartAt: 'C',
      States: { C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'D' }], Default: 'D' }, D: { Type: 'Succeed' } },
    };
    // Act / Assess
    for (const machine of [parallel, waitUntil, numeric])
      await expect(runStateMachine(machine, { n: 1 }, async () => ({}))).rejects.toBeInstanceOf(AslUnsupportedError);
  });

  // A poll loop as the hunt runner's: Wait (Seconds), a Task, a Choice on StringEquals ("Wait state" and "Choice
  // state", Amazon States Language: a Wait state takes exactly one of Seconds, SecondsPath, Timestamp, TimestampPath;
  // a Choice rule on a Variable that is absent fails the execution with States.Runtime).
  const POLL = {
    StartAt: 'Wait',
    States: {
      Wait: { Type: 'Wait', Seconds: 5, Next: 'Poll' },
      Poll: { Type: 'Task', Resource: 'poll', ResultSelector: { 'state.$': '$.Status.State' }, ResultPath: '$.status', Next: 'Done?' },
      'Done?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.status.state', StringEquals: 'SUCCEEDED', Next: 'Done' },
          { Variable: '$.status.state', StringEquals: 'RUNNING', Next: 'Wait' },
        ],
        Default: 'Failed',
      },
      Done: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'QueryFailed' },
    },
  };

  it('loops through Wait and a StringEquals Choice until the polled state ends, and counts the seconds waited', async () => {
    // Prepare
    const answers = ['RUNNING', 'RUNNING', 'SUCCEEDED'];
    const run = async (): Promise<unknown> => ({ Status: { State: answers.shift() } });
    // Act
    const out = await runStateMachine(POLL, {}, run);
    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(out.waitSeconds).toBe(15);
    expect(out.states.filter((s) => s === 'Poll')).toHaveLength(3);
  });

  it('fails a Choice on an absent variable with States.Runtime, a Wait without one of its four fields, and a loop that never ends', async () => {
    // Prepare
    const absent = { ...POLL, States: { ...POLL.States, Poll: { ...POLL.States.Poll, ResultSelector: { 'other.$': '$.Status' } } } };
    const noTime = { StartAt: 'W', States: { W: { Type: 'Wait', End: true } } };
    const both = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } };
    const forever = async (): Promise<unknown> => ({ Status: { State: 'RUNNING' } });
    // Act
    const runtime = await runStateMachine(absent, {}, forever);
    const endless = await runStateMachine(POLL, {}, forever);
    // Assess
    expect(runtime).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(endless).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    await expect(runStateMachine(noTime, {}, forever)).rejects.toBeInstanceOf(AslUnsupportedError);
    await expect(runStateMachine(both, {}, forever)).rejects.toBeInstanceOf(AslUnsupportedError);
  });
});
