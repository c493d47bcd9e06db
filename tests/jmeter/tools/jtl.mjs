// Reads a JMeter CSV results file (.jtl). JMeter quotes a field that holds the delimiter, a quote
// or a line break (assertion failure messages span several lines), so the file is parsed as
// RFC 4180 CSV rather than split by lines.
import { readFileSync } from 'node:fs';

/** Splits CSV text into rows of fields, honouring quoted fields with "" escapes and newlines. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * The samples of a .jtl written with print_field_names=true, as objects keyed by column name
 * (timeStamp, elapsed, label, responseCode, success, failureMessage, and any sample_variables).
 */
export function readJtl(path) {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  if (!header?.includes('timeStamp') || !header.includes('label')) {
    throw new Error(`${path}: not a CSV .jtl with a header line (print_field_names=true)`);
  }
  return rows
    .filter((fields) => fields.length === header.length)
    .map((fields) => Object.fromEntries(header.map((name, i) => [name, fields[i]])));
}
