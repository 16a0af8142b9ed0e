/**
 * The Playground view: two runs of the paper's MNIST MLP, each in its own Web Worker (playground-worker.ts),
 * trained side by side in the browser with the activations picked here, drawn live by the same Dashboard as
 * the runs on disk. The digits come once from the server (/data/digits.bin) and are copied to each worker.
 */
import { applyLiveRecord, emptyRunData, type RunData } from '../src/live/format.js';
import { hexFor } from '../src/live/colors.js';
import { el } from './charts.js';
import { Dashboard, type RunView } from './dashboard.js';
import type { FromWorker, StartMessage } from './playground-worker.js';

const ACTIVATIONS: [string, string][] = [
  ['elu', 'ELU'],
  ['relu', 'ReLU'],
  ['lrelu', 'Leaky ReLU (0.1)'],
  ['srelu', 'Shifted ReLU (max(−1, x))'],
];

interface Slot {
  worker: Worker | null;
  data: RunData;
  activation: string;
  running: boolean;
  error: string;
}

export class PlaygroundView {
  private readonly dash: Dashboard;
  private readonly slots: Slot[] = [0, 1].map(() => ({ worker: null, data: emptyRunData(), activation: '', running: false, error: '' }));
  private readonly controls: Record<string, HTMLSelectElement | HTMLInputElement> = {};
  private readonly startBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;
  private readonly message: HTMLElement;
  private digits: Promise<ArrayBuffer> | null = null;
  private frame = 0;

  constructor(root: HTMLElement) {
    const intro = el('section', 'card intro');
    intro.append(
      el('h2', '', 'Train in your browser'),
      el(
        'p',
        '',
        "The paper's MNIST network (8 hidden layers of 128 units × width) trained right here, on the 10,000 digits " +
          'of the mnist package (8000 for training, 2000 for testing, the split the command line uses), by the same ' +
          'kernels, network and SGD code as elunet on the command line, compiled for the browser. Each run has its own ' +
          'Web Worker; both start from the same initial weights and see the same batches, so only the activation differs.',
      ),
    );
    const form = el('div', 'controls');
    const add = (key: string, label: string, input: HTMLSelectElement | HTMLInputElement) => {
      const l = el('label', 'control');
      l.append(el('span', '', label), input);
      input.name = key;
      this.controls[key] = input;
      form.append(l);
    };
    add('a', 'Run A', select(ACTIVATIONS, 'elu'));
    add('b', 'Run B', select(ACTIVATIONS, 'relu'));
    add('width', 'Width', select([['0.25', '0.25 (32 units)'], ['0.5', '0.5 (64 units)'], ['1', '1 (128 units, the paper)']], '0.5'));
    add('lr', 'Learning rate', select([['0.003', '0.003'], ['0.01', '0.01 (the paper)'], ['0.03', '0.03'], ['0.1', '0.1']], '0.01'));
    add('batch', 'Batch', select([['16', '16'], ['32', '32'], ['64', '64 (the paper)']], '32'));
    const steps = el('input');
    steps.type = 'number';
    steps.min = '10';
    steps.max = '100000';
    steps.step = '10';
    steps.value = '1000';
    add('steps', 'Steps', steps);
    this.startBtn = el('button', 'primary', 'Train');
    this.startBtn.name = 'start';
    this.stopBtn = el('button', '', 'Stop');
    this.stopBtn.name = 'stop';
    this.stopBtn.disabled = true;
    this.startBtn.addEventListener('click', () => void this.start());
    this.stopBtn.addEventListener('click', () => this.stop());
    const buttons = el('div', 'buttons');
    buttons.append(this.startBtn, this.stopBtn);
    form.append(buttons);
    this.message = el('p', 'message muted', 'SGD with momentum 0.9, He initialisation, softmax cross-entropy; test accuracy on 500 test digits every 100 steps.');
    intro.append(form, this.message);
    root.append(intro);
    this.dash = new Dashboard(root, { evalWord: 'evaluation' });
    this.render();
  }

  private async start(): Promise<void> {
    this.stop();
    this.startBtn.disabled = true;
    this.message.textContent = 'loading the digits…';
    let digits: ArrayBuffer;
    try {
      this.digits ??= fetch('/data/digits.bin').then((r) => {
        if (!r.ok) throw new Error(`/data/digits.bin: HTTP ${r.status}`);
        return r.arrayBuffer();
      });
      digits = await this.digits;
    } catch (e) {
      this.digits = null;
      this.message.textContent = `could not load the digits: ${(e as Error).message}`;
      this.startBtn.disabled = false;
      return;
    }
    const v = (k: string) => this.controls[k].value;
    const steps = Math.max(10, Math.min(100000, Math.round(Number(v('steps')) || 1000)));
    this.message.textContent = `training 2 × ${steps} steps…`;
    this.slots.forEach((slot, i) => {
      slot.activation = v(i === 0 ? 'a' : 'b');
      slot.data = emptyRunData();
      slot.error = '';
      slot.running = true;
      const w = new Worker('/assets/playground-worker.js');
      slot.worker = w;
      w.onmessage = (e: MessageEvent<FromWorker>) => this.receive(slot, e.data);
      w.onerror = (e) => {
        slot.error = e.message || 'the worker failed';
        slot.running = false;
        this.finishIfDone();
      };
      const msg: StartMessage = {
        type: 'start',
        digits: digits.slice(0),
        activation: slot.activation,
        width: Number(v('width')),
        lr: Number(v('lr')),
        batch: Number(v('batch')),
        steps,
        seed: 0,
        evalEvery: 100,
        probeEvery: 25,
        evalSamples: 500,
      };
      w.postMessage(msg, [msg.digits]);
    });
    this.stopBtn.disabled = false;
    this.render();
  }

  private stop(): void {
    for (const s of this.slots) {
      s.worker?.terminate();
      s.worker = null;
      if (s.running) s.error = 'stopped';
      s.running = false;
    }
    this.stopBtn.disabled = true;
    this.startBtn.disabled = false;
  }

  private receive(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'record':
        applyLiveRecord(slot.data, m.record);
        break;
      case 'eval':
        slot.data.evals.push(m.point);
        break;
      case 'done':
        slot.running = false;
        slot.worker?.terminate();
        slot.worker = null;
        slot.data.end = {
          t: 'end',
          step: slot.data.loss.length,
          time: new Date().toISOString(),
          complete: !m.stopped,
          writerSeconds: 0,
          seconds: m.seconds,
        };
        this.finishIfDone();
        break;
      case 'error':
        slot.error = m.message;
        slot.running = false;
        this.message.textContent = `${slot.activation}: ${m.message}`;
        this.finishIfDone();
        break;
    }
    this.scheduleRender();
  }

  private finishIfDone(): void {
    if (this.slots.some((s) => s.running)) return;
    this.stopBtn.disabled = true;
    this.startBtn.disabled = false;
    if (this.slots.every((s) => !s.error)) {
      const secs = this.slots.map((s) => s.data.end?.seconds ?? 0);
      this.message.textContent = `done: ${this.slots.map((s, i) => `${s.activation} in ${secs[i].toFixed(1)} s`).join(', ')}`;
    }
    this.scheduleRender();
  }

  /** At most one redraw per animation frame, however many messages arrive. */
  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const views: RunView[] = this.slots.map((s, i) => {
      const act = s.activation || (i === 0 ? 'elu' : 'relu');
      const same = this.slots[0].activation === this.slots[1].activation && i === 1;
      return { key: `playground-${i}`, title: `${'AB'[i]}: ${act}`, label: act, color: same ? hexFor('', 3) : hexFor(act), data: s.data };
    });
    this.dash.update(this.slots.some((s) => s.data.header) ? views : []);
  }

  /** For tests and the curious: the runs' data (window.elunet.playground.runs()). */
  runs(): RunData[] {
    return this.slots.map((s) => s.data);
  }
}

function select(options: [string, string][], value: string): HTMLSelectElement {
  const s = el('select');
  for (const [v, label] of options) {
    const o = el('option', '', label);
    o.value = v;
    s.append(o);
  }
  s.value = value;
  return s;
}
