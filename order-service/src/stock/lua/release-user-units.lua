-- Takes a cancelled order's units off its buyer's per-user total, once inventory-service has
-- answered the order's restore (the units are then off the buyer's count at the stock of record
-- too: taken off earlier, a quick re-order would be accepted here and refused there). Only for
-- orders an earlier version cancelled, which gave the stock back at cancel time and left the
-- buyer's units for the answer; a cancelled order's give-back now waits for that answer and takes
-- both off at once (release-stock.lua).
-- Once-only by the caller: only the order change that records the restore as done calls it.
-- KEYS[1] bought:{p}, KEYS[2] stock:{p}, KEYS[3] stock-ready:{p}
-- ARGV: userId, quantity
-- Replies 1 when taken off, 0 when the buyer held nothing here, -1 when the counter is missing or
-- not rebuilt yet (nothing done: the rebuild takes the totals from MySQL, where the restore is
-- already recorded as done).
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[3]) == 0 then
  return -1
end
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then
  return 0
end
local left = tonumber(held) - tonumber(ARGV[2])
if left > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], left)
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
