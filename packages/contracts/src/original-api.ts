/**
 * Reading the request shapes of the original project's README (numeric product ids, decimal
 * prices), which the services accept as deprecated aliases of their own contract. Pure functions,
 * shared by the DTOs of order- and inventory-service and by order-service's sold-out gate.
 */

/**
 * A product id as the original's clients send it: a positive safe JSON integer is the product
 * whose id is its decimal string (`1` is `"1"`). Anything else is returned unchanged, for the
 * validators to accept (a string) or refuse (`0`, `-5`, `1.5`, `2 ** 53`, `true`, ...).
 */
export function productIdFromJson(value: unknown): unknown {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? String(value)
    : value;
}

/** `123` or `123.4` or `123.45`: whole units and at most two decimals, no sign, no exponent. */
const PRICE_TEXT = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * A decimal price (`199.99`, the original's money field) as integer cents (`19999`), exactly;
 * `undefined` for anything that is not a non-negative number with at most two decimals.
 *
 * JSON.parse has already turned `199.99` into the nearest double before any of our code runs, so
 * the raw text is gone unless the body parser is replaced. We do not multiply that double by 100
 * (`1.15 * 100 === 114.99999999999999`); we read its shortest round-trip decimal string instead:
 * `String(199.99) === '199.99'`. For every decimal literal of at most 15 significant digits that
 * string is exactly the literal as written (minus trailing zeros), and a price of at most two
 * decimals below the cap (13 whole digits) never needs more than 15. Its digits are then read as
 * integers. A literal with more digits than a double holds (`0.30000000000000004`) prints with more
 * than two decimals and is refused rather than rounded; exponent forms (`1e-7`, `1e+21`) are
 * refused too. Keeping the standard body parser was preferred over a raw-text one: the services'
 * hardened JSON parser stays the only one.
 */
export function priceToCents(price: unknown): number | undefined {
  if (typeof price !== 'number' || !Number.isFinite(price)) return undefined;
  const match = PRICE_TEXT.exec(String(price));
  if (!match) return undefined;
  const [, whole, decimals = ''] = match;
  return Number(whole) * 100 + Number(decimals.padEnd(2, '0'));
}
