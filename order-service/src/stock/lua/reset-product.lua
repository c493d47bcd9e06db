-- Brings a counter that is not marked ready (a new product's, or one found stale) back in line
-- with MySQL, all at once: the counter by compare-and-set (an admin delta or a give-back applied
-- meanwhile makes it skip; the next pass retries), the per-user totals from the order rows, the
-- sequence above anything handed out before, then the ready flag.
-- KEYS[1] stock:{p}, KEYS[2] bought:{p}, KEYS[3] stock-seq:{p}, KEYS[4] stock-ready:{p},
-- KEYS[5] stock-stale:{p}
-- ARGV: observed, expected, lowest sequence ('' = leave it), then userId, units, userId, units...
-- Replies 1 when reset, 0 when the counter moved meanwhile.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
if ARGV[3] ~= '' then
  local current = tonumber(redis.call('GET', KEYS[3]) or '0')
  if current < tonumber(ARGV[3]) then
    redis.call('SET', KEYS[3], ARGV[3])
  end
end
redis.call('DEL', KEYS[5])
redis.call('SET', KEYS[4], '1')
return 1
