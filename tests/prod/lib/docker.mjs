// Helpers for the checks of the container set-up on machines without a Docker engine:
// - reading a Dockerfile and carrying out its COPY/RUN steps in plain directories (one directory
//   per build stage, standing for the stage's `/`), so a test exercises exactly the steps the
//   images are built with;
// - the build context as `docker build` sends it (the repository minus .dockerignore);
// - the compose files as a compose client resolves them (`config`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const SERVICES = [
  { name: 'user-service', port: 3001, database: 'user_service' },
  { name: 'order-service', port: 3002, database: 'order_service' },
  { name: 'inventory-service', port: 3003, database: 'inventory_service' },
];

/** The environment of the machine without npm's per-script variables and Node settings. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || ['NODE_ENV', 'NODE_OPTIONS', 'INIT_CWD'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// ------------------------------------------------------------------------------ Dockerfile

/**
 * Parses a Dockerfile into global ARGs and stages of instructions. Handles line continuations
 * and comments; every instruction keeps its leading `--flag=value` options apart.
 */
export function parseDockerfile(text, file = 'Dockerfile') {
  const logical = [];
  let current = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\s+$/, '');
    if (/^\s*#/.test(line) || (current === '' && line.trim() === '')) return;
    if (current === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      return;
    }
    current += line;
    logical.push({ text: current.trim(), line: startLine });
    current = '';
  });
  if (current.trim()) logical.push({ text: current.trim(), line: startLine });

  const globalArgs = {};
  const stages = [];
  for (const { text: instruction, line } of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(instruction);
    const op = match[1].toUpperCase();
    let rest = match[2];
    const flags = {};
    if (['COPY', 'ADD', 'RUN', 'HEALTHCHECK'].includes(op)) {
      let flag;
      while ((flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest))) {
        flags[flag[1]] = flag[2] ?? true;
        rest = rest.slice(flag[0].length);
      }
    }
    const entry = { op, flags, args: rest.trim(), line, where: `${file}:${line}` };
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(entry.args);
      if (!from) throw new Error(`${entry.where}: cannot read FROM ${entry.args}`);
      stages.push({ image: from[1], name: from[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      if (op !== 'ARG') throw new Error(`${entry.where}: only ARG may come before the first FROM`);
      const [name, value] = splitAssignment(entry.args);
      globalArgs[name] = value;
    } else {
      stages.at(-1).instructions.push(entry);
    }
  }
  return { file, globalArgs, stages };
}

function splitAssignment(text) {
  const eq = text.indexOf('=');
  if (eq < 0) return [text.trim(), undefined];
  return [text.slice(0, eq).trim(), unquote(text.slice(eq + 1).trim())];
}

function unquote(value) {
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** `${NAME}` / `$NAME` from `vars`, as Docker substitutes them in FROM, COPY, ENV, WORKDIR... */
export function substitute(text, vars, where) {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => {
    const name = a ?? b;
    if (vars[name] === undefined) throw new Error(`${where}: $${name} is not defined`);
    return vars[name];
  });
}

/** The image a stage starts from, with the global ARG defaults filled in. */
export function stageImage(parsed, stage) {
  return substitute(stage.image, parsed.globalArgs, `${parsed.file} FROM`);
}

/** `["a", "b"]` exec form → array; refuses the shell form (which needs a shell in the image). */
export function execForm(text, where) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: expected the exec form ["cmd", "arg"], got ${text}`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`${where}: expected a JSON array of strings, got ${text}`);
  }
  return value;
}

/** The HEALTHCHECK of a stage: its options and its command, or undefined. */
export function healthcheckOf(stage) {
  const hc = stage.instructions.findLast((i) => i.op === 'HEALTHCHECK');
  if (!hc) return undefined;
  const cmd = /^CMD\s+(.*)$/s.exec(hc.args);
  if (!cmd) throw new Error(`${hc.where}: HEALTHCHECK must be CMD [...]`);
  return { options: hc.flags, command: execForm(cmd[1], hc.where) };
}

const hash = (value) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return result;
}

/**
 * Carries out the build of several Dockerfiles without Docker: each stage gets a directory that
 * stands for its `/`; COPY copies from the build context or from another stage's directory, RUN
 * runs the shell command in the stage's WORKDIR. Identical stages (the three services share
 * their `build` stage) and identical prefixes up to a RUN (their dependency layer) are carried out
 * once, as Docker's build cache would. The base image itself is not there: commands run with
 * this machine's Node.js and npm.
 *
 * Returns, per Dockerfile id, the final stage's directory and its recorded settings.
 */
export function buildDockerfiles({ dockerfiles, context, workDir, log = () => {} }) {
  const parsedById = new Map(
    dockerfiles.map(({ id, path }) => [id, parseDockerfile(readFileSync(path, 'utf8'), path)]),
  );

  // Keys: a stage's whole content (plus the stages it copies from), and its prefixes up to each
  // RUN; a prefix found in two different stages is kept as a snapshot to start the other from.
  const stageKey = (parsed, stage, seen = []) => {
    const deps = stage.instructions
      .filter((i) => i.op === 'COPY' && i.flags.from)
      .map((i) => {
        const from = parsed.stages.find((s) => s.name === i.flags.from);
        if (!from || seen.includes(from)) throw new Error(`${i.where}: bad --from=${i.flags.from}`);
        return stageKey(parsed, from, [...seen, stage]);
      });
    return hash([stageImage(parsed, stage), stage.instructions.map(textOf), deps]);
  };
  const prefixKeys = (parsed, stage) =>
    stage.instructions.flatMap((instruction, index) =>
      instruction.op === 'RUN'
        ? [
            {
              index,
              key: hash([
                stageImage(parsed, stage),
                stage.instructions.slice(0, index + 1).map(textOf),
              ]),
            },
          ]
        : [],
    );
  const prefixUse = new Map();
  for (const parsed of parsedById.values()) {
    for (const stage of parsed.stages) {
      const full = stageKey(parsed, stage);
      for (const { key } of prefixKeys(parsed, stage)) {
        prefixUse.set(key, (prefixUse.get(key) ?? new Set()).add(full));
      }
    }
  }

  const stageCache = new Map(); // stage key → result
  const snapshots = new Map(); // prefix key → { dir, state }
  let counter = 0;

  const buildStage = (parsed, stage) => {
    const key = stageKey(parsed, stage);
    if (stageCache.has(key)) {
      const cached = stageCache.get(key);
      if (!cached.sharedWith.has(parsed.file)) {
        cached.sharedWith.add(parsed.file);
        log(`${parsed.file}: stage ${stage.name} is the same as one built already`);
      }
      return cached;
    }
    const root = join(workDir, 'stages', `${++counter}-${stage.name}`);
    let state = { env: {}, args: {}, workdir: '/', user: 'root', expose: [], cmd: undefined };
    let start = 0;
    const prefixes = prefixKeys(parsed, stage);
    for (const { index, key: prefix } of [...prefixes].reverse()) {
      const snapshot = snapshots.get(prefix);
      if (!snapshot) continue;
      log(`${parsed.file}: reusing the layers up to line ${stage.instructions[index].line}`);
      mkdirSync(dirname(root), { recursive: true });
      run('cp', ['-a', snapshot.dir, root]);
      state = structuredClone(snapshot.state);
      start = index + 1;
      break;
    }
    mkdirSync(root, { recursive: true });

    const vars = () => ({ ...state.args, ...state.env });
    for (let index = start; index < stage.instructions.length; index++) {
      const instruction = stage.instructions[index];
      const { op, flags, where } = instruction;
      switch (op) {
        case 'ARG': {
          const [name, value] = splitAssignment(instruction.args);
          state.args[name] = value ?? parsed.globalArgs[name];
          break;
        }
        case 'ENV': {
          for (const [, name, value] of instruction.args.matchAll(
            /([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g,
          )) {
            state.env[name] = substitute(unquote(value), vars(), where);
          }
          break;
        }
        case 'WORKDIR':
          state.workdir = posix.resolve(state.workdir, substitute(instruction.args, vars(), where));
          mkdirSync(join(root, state.workdir), { recursive: true });
          break;
        case 'COPY': {
          const unknown = Object.keys(flags).filter((f) => !['from', 'chown', 'link'].includes(f));
          if (unknown.length) throw new Error(`${where}: unsupported COPY --${unknown[0]}`);
          const parts = substitute(instruction.args, vars(), where).split(/\s+/);
          if (parts.length < 2) throw new Error(`${where}: COPY needs a source and a destination`);
          const dest = parts.pop();
          let sourceRoot = context;
          if (flags.from) {
            const from = parsed.stages.find((s) => s.name === flags.from);
            sourceRoot = buildStage(parsed, from).root;
          }
          copyInto({ sourceRoot, sources: parts, dest, root, workdir: state.workdir, where });
          break;
        }
        case 'RUN': {
          const unknown = Object.keys(flags).filter((f) => f !== 'mount');
          if (unknown.length) throw new Error(`${where}: unsupported RUN --${unknown[0]}`);
          // A cache mount only keeps npm's download cache between builds; it is not in the image.
          if (flags.mount && !/(^|,)type=cache(,|$)/.test(flags.mount)) {
            throw new Error(`${where}: only --mount=type=cache is supported here`);
          }
          const command = instruction.args;
          if (command.startsWith('[')) throw new Error(`${where}: RUN must use the shell form`);
          const cwd = join(root, state.workdir);
          log(`${parsed.file}:${instruction.line}: RUN ${command}`);
          const started = Date.now();
          const result = run('sh', ['-c', command], {
            cwd,
            env: cleanEnv(state.env),
            maxBuffer: 256 * 1024 * 1024,
          });
          const output = `${result.stdout}${result.stderr}`;
          writeFileSync(join(workDir, `run-${counter}-${index}.log`), output);
          if (result.status !== 0) {
            throw new Error(
              `${where}: RUN ${command} failed (${result.signal ?? result.status}); last output:\n${output.slice(-4000)}`,
            );
          }
          log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          const prefix = prefixes.find((p) => p.index === index)?.key;
          if (prefix && (prefixUse.get(prefix)?.size ?? 0) > 1 && !snapshots.has(prefix)) {
            const dir = join(workDir, 'snapshots', String(snapshots.size));
            mkdirSync(dirname(dir), { recursive: true });
            run('cp', ['-a', root, dir]);
            snapshots.set(prefix, { dir, state: structuredClone(state) });
          }
          break;
        }
        case 'USER':
          state.user = substitute(instruction.args, vars(), where);
          break;
        case 'EXPOSE':
          state.expose.push(...instruction.args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
          break;
        case 'CMD':
          state.cmd = execForm(instruction.args, where);
          break;
        case 'HEALTHCHECK':
        case 'LABEL':
          break;
        default:
          throw new Error(`${where}: ${op} is not supported by this check`);
      }
    }
    const result = {
      root,
      image: stageImage(parsed, stage),
      ...state,
      healthcheck: healthcheckOf(stage),
      cwd: join(root, state.workdir),
      sharedWith: new Set([parsed.file]),
    };
    stageCache.set(key, result);
    return result;
  };

  const results = new Map();
  for (const [id, parsed] of parsedById) {
    results.set(id, buildStage(parsed, parsed.stages.at(-1)));
  }
  return results;
}

function textOf(instruction) {
  return [instruction.op, instruction.flags, instruction.args];
}

function copyInto({ sourceRoot, sources, dest, root, workdir, where }) {
  const destination = posix.resolve(workdir, dest);
  const intoDirectory = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    if (/[*?[]/.test(source)) throw new Error(`${where}: wildcards are not supported here`);
    const from = join(sourceRoot, posix.resolve('/', source));
    if (!existsSync(from)) throw new Error(`${where}: ${source} is not in the source`);
    const target = join(root, destination);
    if (lstatSync(from).isDirectory()) {
      // Docker copies a directory's contents into the destination directory.
      mkdirSync(target, { recursive: true });
      cpSync(from, target, { recursive: true, force: true, verbatimSymlinks: true });
    } else {
      const file = intoDirectory ? join(target, basename(source)) : target;
      mkdirSync(dirname(file), { recursive: true });
      copyFileSync(from, file);
    }
  }
}

// ------------------------------------------------------------------------------ build context

/** A matcher for .dockerignore patterns (`*`, `?`, `**`; a match on a directory covers it all). */
export function dockerignoreMatcher(text) {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) {
    throw new Error('.dockerignore: exceptions (!pattern) are not supported by this check');
  }
  const regexes = patterns.map((p) => globToRegExp(posix.normalize(p.replace(/^\/+/, ''))));
  return (relativePath) => regexes.some((r) => r.test(relativePath));
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Copies the build context that `docker build .` would send from `root` into `target`: every
 * file of the working tree that .dockerignore does not exclude. Returns the relative paths.
 */
export function copyBuildContext(root, target) {
  const ignored = dockerignoreMatcher(readFileSync(join(root, '.dockerignore'), 'utf8'));
  const files = [];
  const walk = (relative) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (ignored(path)) continue;
      const from = join(root, path);
      const to = join(target, path);
      if (entry.isDirectory()) {
        mkdirSync(to, { recursive: true });
        walk(path);
      } else if (entry.isSymbolicLink()) {
        symlinkSync(readlinkSync(from), to);
        files.push(path);
      } else if (entry.isFile()) {
        copyFileSync(from, to);
        files.push(path);
      }
    }
  };
  mkdirSync(target, { recursive: true });
  walk('');
  return files;
}

// ------------------------------------------------------------------------------ compose

/**
 * A compose client that can run `config` without an engine: `docker compose` (v2), else
 * `docker-compose` (v2 or Debian's 1.29). When there is none and this runs as root with apt-get,
 * Debian's `docker-compose` package is installed (without the engine it recommends), unless
 * FLASH_NO_INSTALL=1.
 */
export function findComposeClient() {
  const probe = (command, args) => {
    const result = spawnSync(command, [...args, 'version'], { encoding: 'utf8' });
    if (result.error || result.status !== 0) return undefined;
    const text = `${result.stdout}${result.stderr}`;
    const version = /version\s+v?(\d+)\.(\d+)/i.exec(text);
    if (!version) return undefined;
    const major = Number(version[1]);
    return { command, args, major, version: text.split('\n')[0].trim() };
  };
  const find = () => probe('docker', ['compose']) ?? probe('docker-compose', []);
  let client = find();
  if (
    !client &&
    process.getuid?.() === 0 &&
    process.env.FLASH_NO_INSTALL !== '1' &&
    spawnSync('apt-get', ['--version']).status === 0
  ) {
    const install = () =>
      spawnSync(
        'apt-get',
        ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose', 'python3-yaml'],
        { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      );
    if (install().status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8' });
      install();
    }
    client = find();
  }
  if (!client) {
    throw new Error(
      'no compose client: install Docker Compose (`docker compose`) or Debian\'s "docker-compose" package',
    );
  }
  return client;
}

/**
 * Runs `config` for a compose file with only the given variables (no .env file, none of this
 * shell's), and returns { status, output, config } with `config` the resolved model as JSON.
 * Compose 1.x predates the top-level `name:`, so for it that one line is dropped first.
 */
export function composeConfig(client, file, variables = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'flash-compose-'));
  try {
    return composeConfigIn(dir, client, file, variables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function composeConfigIn(dir, client, file, variables) {
  const envFile = join(dir, 'empty.env');
  writeFileSync(envFile, '');
  let path = join(ROOT, file);
  if (client.major < 2) {
    path = join(dir, basename(file));
    writeFileSync(path, readFileSync(join(ROOT, file), 'utf8').replace(/^name:.*$/m, ''));
  }
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), ...variables };
  const args = [
    ...client.args,
    '--env-file',
    envFile,
    '--project-directory',
    ROOT,
    '-f',
    path,
    'config',
    ...(client.major >= 2 ? ['--format', 'json'] : []),
  ];
  const result = spawnSync(client.command, args, { encoding: 'utf8', env });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) return { status: result.status, output };
  let json = result.stdout;
  if (client.major < 2) {
    // 1.x prints YAML only; Python's yaml module comes with it.
    const convert = spawnSync(
      'python3',
      ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
      { input: result.stdout, encoding: 'utf8' },
    );
    if (convert.status !== 0) throw new Error(`cannot convert compose output: ${convert.stderr}`);
    json = convert.stdout;
  }
  return { status: 0, output, config: JSON.parse(json) };
}

/** Ports of a resolved service as { hostIp, published, target }, whichever syntax was used. */
export function portsOf(service) {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        hostIp: port.host_ip ?? '',
        published: Number(port.published),
        target: Number(port.target),
      };
    }
    const [spec] = String(port).split('/');
    const parts = spec.split(':');
    const target = Number(parts.pop());
    const published = Number(parts.pop() ?? target);
    return { hostIp: parts.pop() ?? '', published, target };
  });
}

/** Volumes of a resolved service as { type, source, target }, whichever syntax was used. */
export function volumesOf(service) {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === 'object') {
      return { type: volume.type, source: volume.source, target: volume.target };
    }
    const [source, target] = String(volume).split(':');
    return { type: isAbsolute(source) ? 'bind' : 'volume', source, target };
  });
}

/** Environment of a resolved service as strings; variables passed through but unset are left out. */
export function environmentOf(service) {
  const env = {};
  for (const [key, value] of Object.entries(service.environment ?? {})) {
    if (value !== null && value !== undefined) env[key] = String(value);
  }
  return env;
}
