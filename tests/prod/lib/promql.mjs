// The metric names a PromQL expression reads, for checking dashboards against the metrics the
// services export. Not a PromQL parser: enough for the selectors, functions, aggregations and
// binary operators a dashboard uses.

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);

/** Metric names in `expr` (each once, in order of appearance). */
export function metricNames(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and other strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery windows
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [];
  for (const match of stripped.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)) {
    const name = match[0];
    const rest = stripped.slice(match.index + name.length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(name.toLowerCase())) continue; // a function
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
