// Linux /proc helpers: which process listens on a port, and its resident memory and CPU over time.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let clockTicks;
/** Kernel clock ticks per second (utime/stime unit in /proc/<pid>/stat); 100 nearly everywhere. */
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A = LISTEN
      const local = fields[1];
      const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (localPort === port && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The PID of the process listening on `port`, or undefined (found through its socket inode). */
export function pidListeningOn(port) {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** CPU seconds used so far and resident memory of one process, or undefined when it is gone. */
export function readProcess(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields we want follow the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(rest[11]) + Number(rest[12]); // utime + stime (fields 14, 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { cpuSeconds: cpuTicks / ticksPerSecond(), rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/** Short command line of a process, for "what else was running". */
export function commandOf(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const short = cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd;
    try {
      // `node dist/main.js` says little: add the folder it runs in.
      return `${short} (in ${readlinkSync(`/proc/${pid}/cwd`)})`;
    } catch {
      return short;
    }
  } catch {
    return '?';
  }
}

/** CPU seconds of every process at this instant (pid -> seconds). */
export function cpuOfAllProcesses() {
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const p = readProcess(entry);
    if (p) all.set(Number(entry), p.cpuSeconds);
  }
  return all;
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function machineCpu() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Samples RSS and CPU% of named processes every `intervalMs`, tagging each sample with the phase
 * the bench is in, plus the machine's overall CPU use. CPU% is of one core (200% = two cores busy).
 */
export class ResourceSampler {
  constructor(intervalMs = 250) {
    this.intervalMs = intervalMs;
    /** name -> { pid, samples: [{t, phase, rssBytes, cpuPercent}] } */
    this.targets = new Map();
    this.machine = [];
    this.phase = 'start';
    this.timer = undefined;
    /** Wall-clock seconds spent in each phase, and when the current one began. */
    this.secondsByPhase = {};
    this.phaseStartedAt = performance.now();
  }

  track(name, pid) {
    if (!pid) return;
    const first = readProcess(pid);
    if (!first) return;
    this.targets.set(name, {
      pid,
      samples: [],
      last: { t: performance.now(), ...first },
      // Exact CPU seconds per phase: /proc's utime+stime read at every phase change, so a phase's
      // figure does not depend on the sampling interval (unlike the mean CPU% of the samples).
      cpuSecondsByPhase: {},
      phaseStartCpuSeconds: first.cpuSeconds,
    });
  }

  untrack(name) {
    this.closePhaseCpu();
    this.targets.delete(name);
  }

  setPhase(phase) {
    this.sample();
    this.closePhaseCpu();
    this.phase = phase;
  }

  /** Adds each target's CPU seconds since the last phase change to the current phase. */
  closePhaseCpu() {
    const now = performance.now();
    this.secondsByPhase[this.phase] =
      (this.secondsByPhase[this.phase] ?? 0) + (now - this.phaseStartedAt) / 1000;
    this.phaseStartedAt = now;
    for (const target of this.targets.values()) {
      const now = readProcess(target.pid);
      if (!now) continue;
      const used = now.cpuSeconds - target.phaseStartCpuSeconds;
      target.cpuSecondsByPhase[this.phase] = (target.cpuSecondsByPhase[this.phase] ?? 0) + used;
      target.phaseStartCpuSeconds = now.cpuSeconds;
    }
  }

  /** Wall-clock seconds of `phase` (closed phases only). */
  seconds(phase) {
    return this.secondsByPhase[phase] ?? 0;
  }

  /** CPU seconds each target used during `phase` (name -> seconds), closed phases only. */
  cpuSeconds(phase) {
    const out = {};
    for (const [name, target] of this.targets) {
      if (target.cpuSecondsByPhase[phase] !== undefined)
        out[name] = target.cpuSecondsByPhase[phase];
    }
    return out;
  }

  start() {
    this.lastMachine = machineCpu();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    this.closePhaseCpu();
  }

  sample() {
    const t = performance.now();
    for (const target of this.targets.values()) {
      const now = readProcess(target.pid);
      if (!now) continue;
      const dt = (t - target.last.t) / 1000;
      if (dt < 0.05) continue;
      const cpuPercent = ((now.cpuSeconds - target.last.cpuSeconds) / dt) * 100;
      target.samples.push({ t, phase: this.phase, rssBytes: now.rssBytes, cpuPercent });
      target.last = { t, ...now };
    }
    if (this.lastMachine) {
      const m = machineCpu();
      const total = m.total - this.lastMachine.total;
      if (total > 0) {
        this.machine.push({
          t,
          phase: this.phase,
          busyPercent: ((m.busy - this.lastMachine.busy) / total) * 100,
        });
        this.lastMachine = m;
      }
    }
  }

  /** The latest RSS and CPU% of each target (for progress lines). */
  latest() {
    const out = {};
    for (const [name, target] of this.targets) {
      const last = target.samples[target.samples.length - 1];
      if (last) out[name] = last;
    }
    return out;
  }

  /** Peak/mean RSS and CPU% per target, over the given phases (all when omitted). */
  summary(phases) {
    const pick = (s) => !phases || phases.includes(s.phase);
    const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const result = {};
    for (const [name, target] of this.targets) {
      const samples = target.samples.filter(pick);
      if (samples.length === 0) continue;
      const rss = samples.map((s) => s.rssBytes);
      const cpu = samples.map((s) => s.cpuPercent);
      result[name] = {
        pid: target.pid,
        samples: samples.length,
        peakRssMiB: Math.max(...rss) / 2 ** 20,
        meanRssMiB: mean(rss) / 2 ** 20,
        peakCpuPercent: Math.max(...cpu),
        meanCpuPercent: mean(cpu),
      };
    }
    const machine = this.machine.filter(pick).map((s) => s.busyPercent);
    return { processes: result, machineBusyPercent: mean(machine) };
  }
}
