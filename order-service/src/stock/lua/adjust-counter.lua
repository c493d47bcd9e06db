-- Moves a counter by the drift the reconciler measured at its snapshot. A delta, not a value:
-- reservations and give-backs made since the snapshot moved the counter and the expected value
-- alike, so they stay counted. Refused when the snapshot no longer describes this counter:
--   - the counter is gone or not marked ready (lost, found stale: the rebuild decides);
--   - an admin change was applied since (inventory-service's marker moved: the reconciler
--     counted that change as queued, and it is in the counter now);
--   - a reconciler with a higher fence token wrote this counter (ours lost its lock).
-- KEYS[1] stock:{p}, KEYS[2] stock-ready:{p}, KEYS[3] inventory-sync:{p}, KEYS[4] stock-fence:{p}
-- ARGV: last applied admin change id seen in the snapshot ('0' = none), delta, fence token.
-- Replies {1, counter} when moved, {0} when the snapshot is outdated, {-1} when fenced out.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then
  return {0}
end
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then
  return {0}
end
local fence = tonumber(ARGV[3])
if tonumber(redis.call('GET', KEYS[4]) or '0') > fence then
  return {-1}
end
redis.call('SET', KEYS[4], ARGV[3])
return {1, redis.call('INCRBY', KEYS[1], ARGV[2])}
