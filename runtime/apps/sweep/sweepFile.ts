// The sweep file (JSON): which cells, tasks, hyperparameter factors and seeds
// a sweep crosses. Read and validated here; every error names the key (a
// JSON path such as `factors.lr[1]`) and says what was expected.
//
//   {
//     "name": "odyssey",
//     "cells": ["../lstm.cell", "../lstm_nig.cell"],          paths relative to the sweep file
//     "tasks": { "adding": { "T": 20, "B": 16, "threshold": 0.05, "evalBatches": 10 } },
//     "train": { "steps": 300, "lr": 0.01, "set": { "H": 16 } },   fixed settings (train's defaults otherwise)
//     "factors": { "lr": [0.01, 0.003], "set.H": [8, 16], "clip": { "loguniform": [0.1, 10] } },
//     "samples": 4, "samplingSeed": 1,                        draws of the distribution factors
//     "seeds": [1, 2, 3]
//   }

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TASK_NAMES } from '../train/tasks.js';

export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}

/** A training setting a sweep may fix (`train`) or vary (`factors`); the names of `cellc train`'s flags in camelCase. */
export const TRAIN_KEYS = ['steps', 'lr', 'optimizer', 'clip', 'schedule', 'warmup', 'weightDecay', 'momentum', 'tbptt', 'layers', 'embed'] as const;
export type TrainKey = (typeof TRAIN_KEYS)[number];

/** The settings of one trial's training (train's defaults where the sweep says nothing). */
export interface TrainSettings {
  steps: number;
  lr: number;
  optimizer: string;
  clip: number;
  schedule: string;
  warmup: number;
  weightDecay: number;
  momentum: number;
  tbptt: number | null;
  layers: number;
  embed: number;
  /** Sizes set on the cell (`--set NAME=VALUE`). */
  set: Record<string, number>;
}

export const TRAIN_DEFAULTS: Omit<TrainSettings, 'set'> = {
  steps: 500, lr: 0.01, optimizer: 'adam', clip: 1, schedule: 'constant', warmup: 0, weightDecay: 0, momentum: 0.9, tbptt: null, layers: 1, embed: 32,
};

/** Real-valued settings: the ones a distribution may draw. */
const REAL_KEYS: readonly string[] = ['lr', 'clip', 'weightDecay', 'momentum'];

export interface TaskSpec {
  readonly name: string;
  readonly T: number;
  readonly B: number;
  /** Held-out batches of the final evaluation (stream 1 of the trial's seed). */
  readonly evalBatches: number;
  /** A held-out loss below which a trial counts as reaching the task. */
  readonly threshold?: number;
  /** The text of `text`, absolute (default: the shipped corpus). */
  readonly text?: string;
}

export interface CellSpec {
  /** As written in the sweep file. */
  readonly file: string;
  /** Resolved against the sweep file's folder. */
  readonly path: string;
}

export type Distribution = { readonly kind: 'uniform' | 'loguniform'; readonly lo: number; readonly hi: number };

export interface FactorSpec {
  /** A training setting (TRAIN_KEYS) or `set.NAME` for a size. */
  readonly name: string;
  readonly values?: readonly (number | string | null)[];
  readonly distribution?: Distribution;
}

export interface SweepSpec {
  readonly file: string;
  readonly name: string;
  readonly cells: readonly CellSpec[];
  readonly tasks: readonly TaskSpec[];
  readonly train: TrainSettings;
  readonly factors: readonly FactorSpec[];
  readonly samples?: number;
  readonly samplingSeed: number;
  readonly seeds: readonly number[];
  /** Compare each model's GPU gradients with float64 before its first step (as train does; default true). */
  readonly verify: boolean;
}

const TOP_KEYS = ['name', 'cells', 'tasks', 'train', 'factors', 'samples', 'samplingSeed', 'seeds', 'verify'];
const TASK_KEYS = ['T', 'B', 'evalBatches', 'threshold', 'text'];

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json) => (v === undefined ? 'nothing' : JSON.stringify(v));

function unknownKeys(o: Record<string, Json>, allowed: readonly string[], where: string, file: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new SweepError(`${file}: unknown key '${where}${k}' (the keys here are: ${allowed.join(', ')})`);
  }
}

export function readSweepFile(path: string): SweepSpec {
  let text: string;
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new SweepError(`cannot read the sweep file ${path}: it is not a regular file`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof SweepError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SweepError(`cannot read the sweep file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SweepError(`${path}: not JSON (${(e as Error).message})`);
  }
  return parseSweep(json, path);
}

/** Validates a parsed sweep file; `file` locates it (cell and text paths are relative to its folder). */
export function parseSweep(json: Json, file: string): SweepSpec {
  const base = dirname(resolve(file));
  const fail = (key: string, what: string, got: Json): never => {
    throw new SweepError(`${file}: '${key}' must be ${what}, got ${show(got)}`);
  };
  const int = (key: string, v: Json, min: number): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : fail(key, `an integer ≥ ${min}`, v));
  const real = (key: string, v: Json, min: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fail(key, `a number ≥ ${min}`, v));
  if (!isObject(json)) fail('(top level)', 'a JSON object', json);
  const o = json as Record<string, Json>;
  unknownKeys(o, TOP_KEYS, '', file);

  const name = o.name === undefined ? file.replace(/^.*[\\/]/, '').replace(/\.json$/i, '') : typeof o.name === 'string' && o.name.trim() ? o.name : fail('name', 'a non-empty string', o.name);

  if (!Array.isArray(o.cells) || o.cells.length === 0) fail('cells', 'a non-empty list of .cell file paths (relative to the sweep file)', o.cells);
  const cells = (o.cells as Json[]).map((c, i): CellSpec => {
    if (typeof c !== 'string' || !c.trim()) fail(`cells[${i}]`, 'a .cell file path', c);
    const p = resolve(base, c as string);
    if (!existsSync(p) || !statSync(p).isFile()) throw new SweepError(`${file}: 'cells[${i}]': cannot read ${c as string} (${p}): no such file`);
    return { file: c as string, path: p };
  });
  const dupCell = cells.find((c, i) => cells.findIndex((d) => d.path === c.path) !== i);
  if (dupCell) throw new SweepError(`${file}: 'cells' lists ${dupCell.file} twice`);

  if (!isObject(o.tasks) || Object.keys(o.tasks).length === 0) fail('tasks', `an object of task name → options (tasks: ${TASK_NAMES.join(', ')})`, o.tasks);
  const tasks = Object.entries(o.tasks as Record<string, Json>).map(([tname, opts]): TaskSpec => {
    if (!(TASK_NAMES as readonly string[]).includes(tname)) throw new SweepError(`${file}: unknown task 'tasks.${tname}' (the tasks are: ${TASK_NAMES.join(', ')})`);
    if (opts !== null && !isObject(opts)) fail(`tasks.${tname}`, `an object of options (${TASK_KEYS.join(', ')})`, opts);
    const t = (opts ?? {}) as Record<string, Json>;
    unknownKeys(t, TASK_KEYS, `tasks.${tname}.`, file);
    const text = t.text === undefined ? undefined : typeof t.text === 'string' && t.text ? resolve(base, t.text) : fail(`tasks.${tname}.text`, 'a text file path', t.text);
    if (text !== undefined && tname !== 'text') throw new SweepError(`${file}: 'tasks.${tname}.text' applies only to the text task`);
    if (text !== undefined && !existsSync(text)) throw new SweepError(`${file}: 'tasks.${tname}.text': cannot read ${t.text as string} (${text}): no such file`);
    return {
      name: tname,
      T: t.T === undefined ? 50 : int(`tasks.${tname}.T`, t.T, 1),
      B: t.B === undefined ? 32 : int(`tasks.${tname}.B`, t.B, 1),
      evalBatches: t.evalBatches === undefined ? 20 : int(`tasks.${tname}.evalBatches`, t.evalBatches, 1),
      ...(t.threshold !== undefined ? { threshold: real(`tasks.${tname}.threshold`, t.threshold, -Infinity) } : {}),
      ...(text !== undefined ? { text } : {}),
    };
  });

  /** One value of a training setting (fixed or a factor level); `key` names it for errors. */
  const setting = (k: string, v: Json, key: string): number | string | null => {
    if (k.startsWith('set.')) return int(key, v, 1);
    switch (k as TrainKey) {
      case 'steps':
      case 'layers':
      case 'embed':
        return int(key, v, 1);
      case 'warmup':
        return int(key, v, 0);
      case 'tbptt':
        return v === null ? null : int(key, v, 1);
      case 'lr':
      case 'clip':
      case 'weightDecay':
      case 'momentum':
        return real(key, v, 0);
      case 'optimizer':
        return v === 'sgd' || v === 'adam' || v === 'adamw' ? v : fail(key, '"sgd", "adam" or "adamw"', v);
      case 'schedule':
        return v === 'constant' || v === 'cosine' ? v : fail(key, '"constant" or "cosine"', v);
    }
    throw new SweepError(`${file}: unknown key '${key}' (the settings are: ${TRAIN_KEYS.join(', ')}, and set.NAME for a size)`);
  };
  const sizeName = (k: string, key: string) => {
    const n = k.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new SweepError(`${file}: '${key}': '${n}' is not a size name`);
    return n;
  };

  const train: TrainSettings = { ...TRAIN_DEFAULTS, set: {} };
  if (o.train !== undefined) {
    if (!isObject(o.train)) fail('train', 'an object of fixed training settings', o.train);
    for (const [k, v] of Object.entries(o.train as Record<string, Json>)) {
      if (k === 'set') {
        if (!isObject(v)) fail('train.set', 'an object of size name → integer, e.g. {"H": 16}', v);
        for (const [s, n] of Object.entries(v as Record<string, Json>)) train.set[sizeName(`set.${s}`, `train.set.${s}`)] = int(`train.set.${s}`, n, 1);
      } else if (!(TRAIN_KEYS as readonly string[]).includes(k)) {
        throw new SweepError(`${file}: unknown key 'train.${k}' (the settings are: ${TRAIN_KEYS.join(', ')}, set)`);
      } else (train as unknown as Record<string, unknown>)[k] = setting(k, v, `train.${k}`);
    }
  }

  const factors: FactorSpec[] = [];
  if (o.factors !== undefined) {
    if (!isObject(o.factors)) fail('factors', 'an object of setting → list of values, or {"uniform"|"loguniform": [a, b]}', o.factors);
    for (const [k, v] of Object.entries(o.factors as Record<string, Json>)) {
      const key = `factors.${k}`;
      if (k.startsWith('set.')) sizeName(k, key);
      else if (!(TRAIN_KEYS as readonly string[]).includes(k)) throw new SweepError(`${file}: unknown factor '${key}' (the factors are: ${TRAIN_KEYS.join(', ')}, and set.NAME for a size, e.g. set.H)`);
      if (Array.isArray(v)) {
        if (v.length === 0) fail(key, 'a non-empty list of values', v);
        const values = v.map((x, i) => setting(k, x, `${key}[${i}]`));
        const dup = values.find((x, i) => values.indexOf(x) !== i);
        if (dup !== undefined) throw new SweepError(`${file}: '${key}' lists ${JSON.stringify(dup)} twice`);
        factors.push({ name: k, values });
      } else if (isObject(v)) {
        const kinds = Object.keys(v);
        if (kinds.length !== 1 || (kinds[0] !== 'uniform' && kinds[0] !== 'loguniform')) fail(key, 'a list of values or {"uniform": [a, b]} or {"loguniform": [a, b]}', v);
        if (!REAL_KEYS.includes(k)) throw new SweepError(`${file}: '${key}': only real-valued settings (${REAL_KEYS.join(', ')}) can be drawn from a distribution; give a list`);
        const kind = kinds[0] as Distribution['kind'];
        const r = v[kind];
        if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x))) fail(`${key}.${kind}`, 'a pair of numbers [a, b]', r);
        const [lo, hi] = r as [number, number];
        if (!(hi > lo)) fail(`${key}.${kind}`, 'a range [a, b] with a < b', r);
        if (lo < 0 || (kind === 'loguniform' && lo <= 0)) fail(`${key}.${kind}`, kind === 'loguniform' ? 'a range of positive numbers' : 'a range of numbers ≥ 0', r);
        factors.push({ name: k, distribution: { kind, lo, hi } });
      } else fail(key, 'a list of values or {"uniform"|"loguniform": [a, b]}', v);
    }
  }
  const drawn = factors.filter((f) => f.distribution);
  let samples: number | undefined;
  if (o.samples !== undefined) samples = int('samples', o.samples, 1);
  if (drawn.length && samples === undefined) throw new SweepError(`${file}: 'samples' is missing: '${`factors.${drawn[0].name}`}' is a distribution, so say how many draws to make ("samples": N)`);
  if (!drawn.length && samples !== undefined) throw new SweepError(`${file}: 'samples' needs a factor given as a distribution ({"uniform"|"loguniform": [a, b]})`);
  const samplingSeed = o.samplingSeed === undefined ? 0 : int('samplingSeed', o.samplingSeed, 0);

  if (!Array.isArray(o.seeds) || o.seeds.length === 0) fail('seeds', 'a non-empty list of integer seeds', o.seeds);
  const seeds = (o.seeds as Json[]).map((s, i) => int(`seeds[${i}]`, s, 0));
  const dupSeed = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dupSeed !== undefined) throw new SweepError(`${file}: 'seeds' lists ${dupSeed} twice`);
  const verify = o.verify === undefined ? true : typeof o.verify === 'boolean' ? o.verify : fail('verify', 'true or false', o.verify);

  return { file, name: name as string, cells, tasks, train, factors, ...(samples !== undefined ? { samples } : {}), samplingSeed, seeds, verify: verify as boolean };
}
