// A CPU profile of one service per bench phase, taken through the V8 inspector the service was
// started with (`--inspect=127.0.0.1:0`): Profiler.start at a phase's start, Profiler.stop at its
// end, saved as <dir>/<service>-<phase>.cpuprofile (the format `node --cpu-prof` writes, which
// Chrome DevTools and speedscope open). `--cpu-prof` itself writes one profile at exit only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './support.mjs';

const LISTENING = /Debugger listening on (ws:\/\/\S+)/;

/** The inspector's WebSocket URL, from the line Node writes to the service's log at start. */
export async function inspectorUrlFromLog(logFile, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(logFile)) {
      const match = LISTENING.exec(readFileSync(logFile, 'utf8'));
      if (match) return match[1];
    }
    await sleep(200);
  }
  throw new Error(`no "Debugger listening" line in ${logFile}`);
}

export class PhaseProfiler {
  /**
   * @param {string} url the inspector's WebSocket URL
   * @param {string} service the profiled service's name (file names)
   * @param {string} dir where the .cpuprofile files go
   * @param {number} intervalUs sampling interval (V8's default: 1000 µs)
   */
  constructor(url, service, dir, intervalUs = 1000) {
    this.url = url;
    this.service = service;
    this.dir = dir;
    this.intervalUs = intervalUs;
    this.nextId = 1;
    this.waiting = new Map();
    this.phase = undefined;
    this.files = {};
  }

  async connect() {
    this.socket = new WebSocket(this.url);
    await new Promise((resolve, reject) => {
      this.socket.addEventListener('open', resolve, { once: true });
      this.socket.addEventListener('error', () => reject(new Error(`inspector ${this.url}`)), {
        once: true,
      });
    });
    this.socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: this.intervalUs });
    mkdirSync(this.dir, { recursive: true });
  }

  send(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Ends the current phase's profile (if any) and starts one for `phase` (none when undefined). */
  async phaseChanged(phase) {
    if (this.phase !== undefined) {
      const { profile } = await this.send('Profiler.stop');
      const file = join(this.dir, `${this.service}-${this.phase}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      this.files[this.phase] = file;
    }
    this.phase = phase;
    if (phase !== undefined) await this.send('Profiler.start');
  }

  async close() {
    await this.phaseChanged(undefined);
    this.socket.close();
  }
}
