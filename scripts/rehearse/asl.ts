/**
 * A small, strict Amazon States Language interpreter for the rehearsal: it runs the synthesized state machine
 * definition as Step Functions would, for the features the definition uses (Task, Choice, Map INLINE, Pass, Wait,
 * Succeed, Fail; JSONPath Parameters / ItemSelector / ResultSelector / ResultPath / ItemsPath, Retry, Catch; Choice
 * rules IsPresent and StringEquals; JSONata states through the `jsonata` library). Anything else raises
 * AslUnsupportedError, so that a definition change the interpreter does not understand fails the rehearsal instead of
 * passing wrongly.
 *
 * A Wait state (Amazon States Language: "Wait state") has exactly one of Seconds (a non-negative integer),
 * SecondsPath, Timestamp, TimestampPath, and Next or End; the rehearsal does not sleep but sums the seconds into
 * {@link AslExecution.waitSeconds}. An execution that enters more than {@link MAX_STATE_ENTRIES} states is failed
 * (a poll loop that never ends).
 *
 * Why not aws-local-stepfunctions: its current release needs Node 22 (the project runs on Node 20) and has no
 * JSONata, which the definition's AnyHuntFailed state uses.
 *
 * Step Functions' payload limit is applied to every state's input and output: 256 KiB (262,144 bytes of UTF-8 JSON),
 * over which the execution fails with States.DataLimitExceeded. Retries do not wait (their intervals are summed
 * into {@link AslExecution.retryWaitSeconds}).
 */
import jsonata from 'jsonata';

/** Step Functions' maximum input or output of a state, task result or execution (bytes of UTF-8 JSON). */
export const STATE_PAYLOAD_LIMIT = 262_144;

/** States entered by one execution before the rehearsal calls it a loop that never ends. */
export const MAX_STATE_ENTRIES = 100_000;

export class AslUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AslUnsupportedError';
  }
}

/** An error as Step Functions names it (Error, Cause). */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}

/** Runs a Task state's resource with its effective input; throws StatesError (or any error: Lambda-style). */
export type TaskRunner = (resource: string, input: unknown) => Promise<unknown>;

export interface AslExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** States entered, in order (Map iterations included). */
  readonly states: string[];
  /** Largest state input or output seen (bytes). */
  readonly maxPayloadBytes: number;
  readonly retryWaitSeconds: number;
  /** Seconds Wait states would have waited. */
  readonly waitSeconds: number;
}

type Json = unknown;
type State = Record<string, any>;
type Machine = { StartAt: string; States: Record<string, State>; QueryLanguage?: string };

const KNOWN_FIELDS: Record<string, readonly string[]> = {
  Task: [
    'Type',
    'Resource',
    'Parameters',
    'ResultSelector',
    'ResultPath',
    'Retry',
    'Catch',
    'Next',
    'End',
    'Comment',
    'TimeoutSeconds',
    'QueryLanguage',
  ],
  Choice: ['Type', 'Choices', 'Default', 'Comment', 'QueryLanguage'],
  Map: [
    'Type',
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'MaxConcurrency',
    'ResultPath',
    'Next',
    'End',
    'Comment',
    'Retry',
    'Catch',
    'QueryLanguage',
  ],
  Wait: ['Type', 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath', 'Next', 'End', 'Comment', 'QueryLanguage'],
  Pass: ['Type', 'Parameters', 'Result', 'ResultPath', 'Output', 'Next', 'End', 'Comment', 'QueryLanguage'],
  Succeed: ['Type', 'Comment', 'QueryLanguage'],
  Fail: ['Type', 'Error', 'Cause', 'Comment', 'QueryLanguage'],
};

/** Reads a JSONPath of the supported subset: `$`, `$.a.b`, `$.a[0]`, `$$.Map.Item.Value`. Undefined when absent. */
export function readPath(path: string, data: Json, context: Json): Json {
  let root: Json;
  let rest: string;
  if (path.startsWith('$$')) {
    root = context;
    rest = path.slice(2);
  } else if (path.startsWith('$')) {
    root = data;
    rest = path.slice(1);
  } else throw new AslUnsupportedError(`not a JSONPath: ${path}`);
  const re = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\])/;
  let cur: any = root;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) throw new AslUnsupportedError(`JSONPath feature not supported by the rehearsal: ${path}`);
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[1] !== undefined ? cur[m[1]] : cur[Number(m[2])];
    if (cur === undefined) return undefined;
    rest = rest.slice(m[0].length);
  }
  return cur;
}

function mustRead(path: string, data: Json, context: Json): Json {
  const v = readPath(path, data, context);
  if (v === undefined)
    throw new StatesError(
      'States.Runtime',
      `The JSONPath '${path}' could not be found in the input '${JSON.stringify(data).slice(0, 500)}'`,
    );
  return v;
}

/** Applies a payload template (Parameters, ItemSelector, ResultSelector): keys ending in `.$` are paths. */
function applyTemplate(tpl: Json, data: Json, context: Json): Json {
  if (Array.isArray(tpl)) return tpl.map((x) => applyTemplate(x, data, context));
  if (tpl === null || typeof tpl !== 'object') return tpl;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(tpl as Record<string, Json>)) {
    if (k.endsWith('.$')) {
      if (typeof v !== 'string' || v.startsWith('States.'))
        throw new AslUnsupportedError(`intrinsic or non-path value for ${k}: ${JSON.stringify(v)}`);
      out[k.slice(0, -2)] = mustRead(v, data, context);
    } else out[k] = applyTemplate(v, data, context);
  }
  return out;
}

/** Puts `result` into `input` at a ResultPath (`$` replaces; null discards; `$.a.b` sets). */
function applyResultPath(resultPath: string | null | undefined, input: Json, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return input;
  const m = /^\$((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)$/.exec(resultPath);
  if (!m) throw new AslUnsupportedError(`ResultPath not supported by the rehearsal: ${resultPath}`);
  const keys = m[1].slice(1).split('.');
  const out: any = input !== null && typeof input === 'object' && !Array.isArray(input) ? structuredClone(input) : {};
  let cur = out;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k];
  }
  cur[keys[keys.length - 1]] = result;
  return out;
}

function errorMatches(names: readonly string[], error: string): boolean {
  return names.some(
    (n) =>
      n === error ||
      n === 'States.ALL' ||
      (n === 'States.TaskFailed' && error !== 'States.Timeout' && !error.startsWith('States.DataLimit')),
  );
}

function toStatesError(err: unknown): StatesError {
  if (err instanceof StatesError) return err;
  if (err instanceof AslUnsupportedError) throw err;
  const e = err as Error;
  // A Lambda function's error: Error is the error's name, Cause its JSON (as Step Functions reports it).
  return new StatesError(e?.name || 'Error', JSON.stringify({ errorType: e?.name, errorMessage: e?.message }));
}

/** Runs a definition (the parsed DefinitionString) on `input`. */
export async function runStateMachine(definition: Machine, input: Json, runTask: TaskRunner, name = 'rehearsal'): Promise<AslExecution> {
  const states: string[] = [];
  let maxPayloadBytes = 0;
  let retryWaitSeconds = 0;
  let waitSeconds = 0;
  const measure = (where: string, v: Json): void => {
    const bytes = Buffer.byteLength(JSON.stringify(v ?? null), 'utf8');
    maxPayloadBytes = Math.max(maxPayloadBytes, bytes);
    if (bytes > STATE_PAYLOAD_LIMIT) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The state/task '${where}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${STATE_PAYLOAD_LIMIT}).`,
      );
    }
  };

  async function runMachine(machine: Machine, data: Json, context: Record<string, Json>): Promise<Json> {
    let name = machine.StartAt;
    let cur = data;
    for (;;) {
      const st = machine.States[name];
      if (!st) throw new AslUnsupportedError(`no state named ${name}`);
      states.push(name);
      if (states.length > MAX_STATE_ENTRIES)
        throw new StatesError('States.Runtime', `more than ${MAX_STATE_ENTRIES} states entered: a loop that does not end (${name})`);
      const known = KNOWN_FIELDS[st.Type as string];
      if (!known) throw new AslUnsupportedError(`state type ${st.Type} (${name}) not supported by the rehearsal`);
      for (const k of Object.keys(st))
        if (!known.includes(k)) throw new AslUnsupportedError(`field ${k} of ${st.Type} state ${name} not supported by the rehearsal`);
      const lang = st.QueryLanguage ?? machine.QueryLanguage ?? 'JSONPath';
      measure(name, cur);
      let out: Json;
      let next: string | undefined = st.Next;
      try {
        switch (st.Type) {
          case 'Succeed':
            return cur;
          case 'Fail':
            throw new StatesError(st.Error ?? 'States.Fail', st.Cause ?? '');
          case 'Pass':
            if (lang === 'JSONata') {
              // A JSONata Pass state's output is its Output, each `{% expr %}` evaluated with $states.input.
              out = st.Output === undefined ? cur : await jsonataTemplate(st.Output as Json, cur, context);
              break;
            }
            out = applyResultPath(st.ResultPath, cur, st.Parameters ? applyTemplate(st.Parameters, cur, context) : (st.Result ?? cur));
            break;
          case 'Choice':
            next = await choose(st, lang, cur, context, name);
            out = cur;
            break;
          case 'Wait': {
            if (lang !== 'JSONPath') throw new AslUnsupportedError(`JSONata Wait state ${name}`);
            const how = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter((k) => k in st);
            if (how.length !== 1)
              throw new AslUnsupportedError(`Wait ${name}: exactly one of Seconds, SecondsPath, Timestamp, TimestampPath`);
            if (how[0] !== 'Seconds') throw new AslUnsupportedError(`Wait ${name}: ${how[0]} not supported by the rehearsal`);
            if (!Number.isInteger(st.Seconds) || st.Seconds < 0)
              throw new AslUnsupportedError(`Wait ${name}: Seconds must be a non-negative integer`);
            waitSeconds += st.Seconds as number;
            out = cur;
            break;
          }
          case 'Task':
            if (lang !== 'JSONPath') throw new AslUnsupportedError(`JSONata Task state ${name}`);
            out = await withRetry(st, name, async () => {
              const effective = st.Parameters ? applyTemplate(st.Parameters, cur, context) : cur;
              measure(name, effective);
              let result = await runTask(st.Resource as string, effective);
              measure(name, result);
              if (st.ResultSelector) result = applyTemplate(st.ResultSelector, result, context);
              return applyResultPath(st.ResultPath, cur, result);
            });
            break;
          case 'Map': {
            if (lang !== 'JSONPath') throw new AslUnsupportedError(`JSONata Map state ${name}`);
            if (st.ItemProcessor?.ProcessorConfig?.Mode !== 'INLINE') throw new AslUnsupportedError(`Map ${name}: only INLINE mode`);
            const items = mustRead(st.ItemsPath ?? '$', cur, context);
            if (!Array.isArray(items)) throw new StatesError('States.Runtime', `Map ${name}: ItemsPath is not an array`);
            const results: Json[] = [];
            for (const [index, value] of items.entries()) {
              const ctx = { ...context, Map: { Item: { Index: index, Value: value } } };
              const itemInput = st.ItemSelector ? applyTemplate(st.ItemSelector, cur, ctx) : value;
              results.push(await runMachine(st.ItemProcessor as Machine, itemInput, ctx));
            }
            out = applyResultPath(st.ResultPath, cur, results);
            break;
          }
          default:
            throw new AslUnsupportedError(`state type ${st.Type}`);
        }
      } catch (err) {
        if (err instanceof AslUnsupportedError) throw err;
        const se = toStatesError(err);
        const handler = (st.Catch as { ErrorEquals: string[]; Next: string; ResultPath?: string }[] | undefined)?.find((c) =>
          errorMatches(c.ErrorEquals, se.error),
        );
        if (!handler || se.error === 'States.DataLimitExceeded') throw se;
        out = applyResultPath(handler.ResultPath, cur, { Error: se.error, Cause: se.cause });
        next = handler.Next;
      }
      measure(name, out);
      if (st.End || next === undefined) return out;
      cur = out;
      name = next;
    }
  }

  async function withRetry(st: State, name: string, attempt: () => Promise<Json>): Promise<Json> {
    const counts = new Map<number, number>();
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof AslUnsupportedError) throw err;
        const se = toStatesError(err);
        const retriers = (st.Retry ?? []) as {
          ErrorEquals: string[];
          IntervalSeconds?: number;
          MaxAttempts?: number;
          BackoffRate?: number;
        }[];
        const i = retriers.findIndex((r) => errorMatches(r.ErrorEquals, se.error));
        if (i < 0 || se.error === 'States.DataLimitExceeded') throw se;
        const r = retriers[i];
        const n = counts.get(i) ?? 0;
        if (n >= (r.MaxAttempts ?? 3)) throw se;
        counts.set(i, n + 1);
        retryWaitSeconds += (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** n;
        void name;
      }
    }
  }

  async function jsonataTemplate(t: Json, cur: Json, context: Record<string, Json>): Promise<Json> {
    if (typeof t === 'string') {
      const m = /^\{%([\s\S]*)%\}$/.exec(t);
      return m ? ((await jsonata(m[1]).evaluate({}, { states: { input: cur, context } })) as Json) : t;
    }
    if (Array.isArray(t)) return Promise.all(t.map((x) => jsonataTemplate(x, cur, context)));
    if (t !== null && typeof t === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(t)) out[k] = await jsonataTemplate(v as Json, cur, context);
      return out;
    }
    return t;
  }

  async function choose(st: State, lang: string, cur: Json, context: Record<string, Json>, name: string): Promise<string> {
    for (const c of st.Choices as Record<string, any>[]) {
      let ok: boolean;
      if (lang === 'JSONata') {
        const m = /^\{%([\s\S]*)%\}$/.exec(String(c.Condition ?? ''));
        if (!m) throw new AslUnsupportedError(`Choice ${name}: JSONata Condition expected`);
        ok = (await jsonata(m[1]).evaluate({}, { states: { input: cur, context } })) === true;
      } else {
        const keys = Object.keys(c).filter((k) => k !== 'Next');
        const op = keys.find((k) => k !== 'Variable');
        if (keys.length !== 2 || !keys.includes('Variable') || (op !== 'IsPresent' && op !== 'StringEquals'))
          throw new AslUnsupportedError(`Choice ${name}: only Variable + IsPresent or StringEquals rules (${keys.join(', ')})`);
        const v = readPath(c.Variable, cur, context);
        if (op === 'IsPresent') ok = (v !== undefined) === c.IsPresent;
        else {
          if (typeof c.StringEquals !== 'string') throw new AslUnsupportedError(`Choice ${name}: StringEquals takes a string`);
          // A rule on a field that is absent is a runtime error; on a value of another type, false.
          if (v === undefined)
            throw new StatesError('States.Runtime', `Invalid path '${c.Variable}': the choice state ${name} could not find it`);
          ok = v === c.StringEquals;
        }
      }
      if (ok) return c.Next as string;
    }
    if (!st.Default) throw new StatesError('States.NoChoiceMatched', `no choice rule matched in ${name}`);
    return st.Default as string;
  }

  try {
    measure('execution input', input);
    const output = await runMachine(definition, input, { Execution: { Name: name, Input: input } });
    return { status: 'SUCCEEDED', output, states, maxPayloadBytes, retryWaitSeconds, waitSeconds };
  } catch (err) {
    if (err instanceof AslUnsupportedError) throw err;
    const se = toStatesError(err);
    return { status: 'FAILED', error: se.error, cause: se.cause, states, maxPayloadBytes, retryWaitSeconds, waitSeconds };
  }
}
