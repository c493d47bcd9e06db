-- Recreates a product's missing counter (and its catalogue entry and per-user totals) from MySQL
-- data, all at once, so no order can slip in between. Does nothing if the counter exists.
--
-- KEYS[1] stock:{p}, KEYS[2] product:{p}, KEYS[3] bought:{p}, KEYS[4] stock-ready:{p},
-- KEYS[5] stock-seq:{p}, KEYS[6] stock-stale:{p}
-- ARGV: expected, name, priceCents, maxPerUser ('' = none), the hash's field names of those three
--       (ProductHashFields in the contracts package), the lowest sequence the counter may carry
--       on (above every one handed out before the loss), then userId, units, userId, units...
-- Replies 1 when rebuilt, 0 when the counter was there.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[2], ARGV[6], ARGV[3])
  if ARGV[4] ~= '' then
    redis.call('HSET', KEYS[2], ARGV[7], ARGV[4])
  end
end
redis.call('DEL', KEYS[3])
for i = 9, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
redis.call('SET', KEYS[1], ARGV[1])
if tonumber(redis.call('GET', KEYS[5]) or '0') < tonumber(ARGV[8]) then
  redis.call('SET', KEYS[5], ARGV[8])
end
redis.call('DEL', KEYS[6])
redis.call('SET', KEYS[4], '1')
return 1
