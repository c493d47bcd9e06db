// A small seeded generator (mulberry32): the same seed gives the same fault order, timings and
// client choices on every machine.

/** A function returning floats in [0, 1), determined by `seed` (any 32-bit integer). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Helpers over one generator: integers, ranges, picks and shuffles. */
export function dice(seed) {
  const next = seededRandom(seed);
  return {
    next,
    /** A float in [min, max). */
    between: (min, max) => min + (max - min) * next(),
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    shuffle(list) {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
