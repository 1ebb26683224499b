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
    const machine = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, End: true } } };
    // Act / Assess
    await expect(runStateMachine(machine, {}, async () => ({}))).rejects.toBeInstanceOf(AslUnsupportedError);
  });
});
